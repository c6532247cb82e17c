"""FAIR Signposting (https://signposting.org/FAIR/) for DOI landing pages.

Level 1: typed links in the page's <head> (cite-as, describedby, item,
license, author, type). Level 2: a linkset (RFC 9264, application/linkset+json)
per page that also describes each metadata file and content item, and a
Link header with the same links, which `headers.py` puts in `_headers`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Sequence

from builder.render.urls import header_url

LINKSET_TYPE = "application/linkset+json"
LANDING_TYPES = ("https://schema.org/AboutPage",)
DATASET_TYPE = "https://schema.org/Dataset"


@dataclass(frozen=True)
class Signpost:
    rel: str
    href: str
    type: str | None = None


@dataclass(frozen=True)
class Described:
    """A metadata file of a landing page: its address and media type."""

    href: str
    type: str


def landing_signposts(doi_url: str, metadata: Sequence[Described], items: Sequence[Described],
                      licence_url: str | None, authors: Iterable[str], linkset_url: str) -> tuple[Signpost, ...]:
    """The links of a landing page, in the order the Signposting profile lists them."""
    links = [Signpost("cite-as", doi_url)]
    links += [Signpost("author", author) for author in dict.fromkeys(authors)]
    links += [Signpost("type", DATASET_TYPE)] + [Signpost("type", kind) for kind in LANDING_TYPES]
    links += [Signpost("describedby", m.href, m.type) for m in metadata]
    links += [Signpost("item", i.href, i.type) for i in items]
    if licence_url:
        links.append(Signpost("license", licence_url))
    links.append(Signpost("linkset", linkset_url, LINKSET_TYPE))
    return tuple(links)


def linkset(page_url: str, signposts: Sequence[Signpost]) -> str:
    """The page's linkset: its own links, then each metadata file and item pointing back at it."""
    own = [s for s in signposts if s.rel != "linkset"]
    contexts = [{"anchor": page_url, **_grouped(own)}]
    contexts += [{"anchor": s.href, "describes": [{"href": page_url, "type": "text/html"}]}
                 for s in own if s.rel == "describedby"]
    contexts += [{"anchor": s.href, "collection": [{"href": page_url, "type": "text/html"}]}
                 for s in own if s.rel == "item"]
    return json.dumps({"linkset": contexts}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _grouped(signposts: Sequence[Signpost]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for signpost in signposts:
        target = {"href": signpost.href}
        if signpost.type:
            target["type"] = signpost.type
        grouped.setdefault(signpost.rel, []).append(target)
    return grouped


def link_header(signposts: Sequence[Signpost]) -> str:
    """The value of an HTTP Link header (RFC 8288) carrying the same links.

    Each URL is written as `urls.header_url` encodes it, so no catalogue string can end the header or the list;
    one that is no link URL is left out (`landing_signposts` is given none)."""
    parts = []
    for signpost in signposts:
        href = header_url(signpost.href)
        if href is None:
            continue
        part = f'<{href}>; rel="{signpost.rel}"'
        if signpost.type:
            part += f'; type="{signpost.type}"'
        parts.append(part)
    return ", ".join(parts)
