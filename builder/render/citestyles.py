"""Citations of DOIs in CSL styles (APA, Chicago, ...), rendered at build time with citeproc-py.

citeproc-py takes about 10 ms per citation, so a site of thousands of DOIs
in six styles would spend minutes on them at every build. Each citation is
kept in a cache under the hash of its style file and its CSL item: a
rebuild renders only new or changed records, and a first build spreads the
work over the cores.

Output is plain text: citeproc-py passes markup inside field values through
unescaped, so its HTML output could carry a title's `<script>`; the
templates escape the text instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Mapping, Sequence

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from builder.config.cslstyles import csl_style_path
from builder.memory.results import ResultCache, json_digest
from builder.workers import map_in_order

# Numeric styles number their bibliography ("[1]", "1."): one citation alone needs no number.
LEADING_NUMBER = re.compile(r"^\s*(?:\[\d+\]|\d+\.)\s*")
PARALLEL_FROM = 40  # citations to render; below this, starting workers costs more than it saves


@dataclass(frozen=True)
class StyledCitation:
    label: str  # e.g. "APA"
    style: str  # the CSL style's name, e.g. "apa"
    text: str


@cache
def _style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(str(csl_style_path(name)), validate=False)


def render_citation(style: str, item: Mapping) -> str:
    """One item in one style, as plain text without a bibliography number."""
    source = CiteProcJSON([dict(item, id="item")])
    bibliography = CitationStylesBibliography(_style(style), source, formatter.plain)
    bibliography.register(Citation([CitationItem("item")]))
    text = str(bibliography.bibliography()[0])
    return LEADING_NUMBER.sub("", " ".join(text.split()))


@cache
def _style_digest(name: str) -> str:
    return hashlib.sha256(csl_style_path(name).read_bytes()).hexdigest()[:32]


def styled_citations(items: Mapping[str, Mapping], styles: Sequence[tuple[str, str]],
                     cached: ResultCache) -> dict[str, tuple[StyledCitation, ...]]:
    """Every item (by DOI) in every (style, label); what the cache lacks is rendered, on every core."""
    if not styles:
        return {key: () for key in items}
    digests = {key: json_digest(item) for key, item in items.items()}
    missing = sorted({(style, key) for style, _ in styles for key in items
                      if cached.get(_style_digest(style), digests[key]) is None})
    texts = map_in_order(_render_one, [(style, items[key]) for style, key in missing], PARALLEL_FROM)
    for (style, key), text in zip(missing, texts):
        cached.put(_style_digest(style), digests[key], text)
    cached.save()
    return {key: tuple(StyledCitation(label, style, cached.get(_style_digest(style), digests[key]) or "")
                       for style, label in styles) for key in items}


def _render_one(job: tuple[str, Mapping]) -> str:
    return render_citation(*job)
