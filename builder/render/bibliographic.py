"""A DOI's citation files for reference managers: CSL-JSON, BibTeX and RIS.

All three are made from the publication record alone, so the same record
gives the same bytes. Unknown facts are left out, never guessed.
"""

from __future__ import annotations

import json
import re

from builder.catalogue.records import Person, Publication
from builder.render.citation import doi_url

# BibTeX's special characters, escaped so that any title survives LaTeX.
BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
                  "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
BIBTEX_SPECIAL = re.compile("|".join(re.escape(char) for char in BIBTEX_ESCAPES))


def csl_name(person: Person) -> dict:
    if person.is_organisation or not person.family_name:
        return {"literal": person.name}
    name = {"family": person.family_name}
    if person.given_name:
        name["given"] = person.given_name
    return name


def csl_item(publication: Publication, year: int | None) -> dict:
    """The record as one CSL-JSON item (the input of citeproc and of Zotero, Mendeley, pandoc)."""
    item: dict = {"id": publication.doi, "type": "dataset", "title": publication.title.rstrip(". "),
                  "DOI": publication.doi, "URL": doi_url(publication.doi), "genre": publication.resource_type}
    if publication.creators:
        item["author"] = [csl_name(p) for p in publication.creators]
    if year:
        item["issued"] = {"date-parts": [[year]]}
    if publication.publisher:
        item["publisher"] = publication.publisher
    if publication.description:
        item["abstract"] = publication.description
    if publication.keywords:
        item["keyword"] = ", ".join(publication.keywords)
    return item


def csl_json(publication: Publication, year: int | None) -> str:
    return json.dumps([csl_item(publication, year)], indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def bibtex_key(doi: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", doi).strip("_").lower()


def _bibtex_text(text: str) -> str:
    return BIBTEX_SPECIAL.sub(lambda match: BIBTEX_ESCAPES[match.group(0)], " ".join(text.split()))


def _bibtex_name(person: Person) -> str:
    if person.is_organisation or not person.family_name:
        return "{" + _bibtex_text(person.name) + "}"  # braces: an organisation is not "Family, Given"
    family = _bibtex_text(person.family_name)
    return f"{family}, {_bibtex_text(person.given_name)}" if person.given_name else family


def bibtex(publication: Publication, year: int | None) -> str:
    """A BibTeX @misc entry (BibLaTeX and every BibTeX style know @misc; @dataset only BibLaTeX)."""
    fields = [("title", "{" + _bibtex_text(publication.title) + "}")]
    if publication.creators:
        fields.append(("author", " and ".join(_bibtex_name(p) for p in publication.creators)))
    if year:
        fields.append(("year", str(year)))
    if publication.publisher:
        fields.append(("publisher", _bibtex_text(publication.publisher)))
    fields += [("howpublished", _bibtex_text(publication.resource_type)), ("doi", _bibtex_text(publication.doi)),
               ("url", doi_url(publication.doi))]
    if publication.keywords:
        fields.append(("keywords", _bibtex_text(", ".join(publication.keywords))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(publication.doi)},\n{body}\n}}\n"


def _ris_text(text: str) -> str:
    return " ".join(text.split())  # a RIS value is one line


def ris(publication: Publication, year: int | None) -> str:
    """An RIS record (type DATA), lines ended with CR LF as the format asks."""
    lines = [("TY", "DATA"), ("TI", _ris_text(publication.title))]
    lines += [("AU", _ris_text(_ris_name(p))) for p in publication.creators]
    if year:
        lines.append(("PY", str(year)))
    if publication.publisher:
        lines.append(("PB", _ris_text(publication.publisher)))
    lines += [("DO", publication.doi), ("UR", doi_url(publication.doi)), ("M3", publication.resource_type)]
    if publication.description:
        lines.append(("AB", _ris_text(publication.description)))
    lines += [("KW", _ris_text(keyword)) for keyword in publication.keywords]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def _ris_name(person: Person) -> str:
    if person.is_organisation or not person.family_name:
        return person.name
    return f"{person.family_name}, {person.given_name}" if person.given_name else person.family_name
