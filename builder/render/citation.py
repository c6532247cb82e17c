"""Citation text for a DOI in DataCite's recommended form.

Creator (PublicationYear). Title. Publisher. ResourceType. Identifier
"""

from __future__ import annotations

import re
from functools import lru_cache

from builder.catalogue.records import Person, Publication
from builder.render.urls import url_path


def initials(given: str) -> str:
    """'Christoph P.E.' -> 'C. P. E.'; hyphenated names keep the hyphen: 'Jean-Paul' -> 'J.-P.'."""
    parts = [p for p in re.split(r"[\s.]+", given) if p]
    return " ".join("-".join(f"{piece[0]}." for piece in part.split("-") if piece) for part in parts)


@lru_cache(maxsize=65536)
def cited_name(person: Person) -> str:
    if person.is_organisation or not person.family_name:
        return person.name
    return f"{person.family_name}, {initials(person.given_name)}" if person.given_name else person.family_name


def doi_url(doi: str) -> str:
    """The resolver URL; characters a URL cannot carry as they are ('<', '%', '#', ...) percent-encoded."""
    return f"https://doi.org/{url_path(doi)}"


def datacite_citation(publication: Publication, year: int | None) -> str:
    """DataCite's form; a work without creators starts with its title, as author-less works are cited."""
    creators = "; ".join(cited_name(p) for p in publication.creators)
    title = publication.title.rstrip(".")
    shown_year = year or "n.d."
    pieces = [f"{creators} ({shown_year}). {title}." if creators else f"{title}. ({shown_year})."]
    if publication.publisher:
        pieces.append(f"{publication.publisher}.")
    pieces.append(f"{publication.resource_type}.")
    pieces.append(doi_url(publication.doi))
    return " ".join(pieces)
