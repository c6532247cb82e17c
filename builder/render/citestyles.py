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
from citeproc.model import Substitute, Text
from citeproc.source.json import CiteProcJSON

from builder.config.cslstyles import csl_style_path
from builder.memory.fingerprint import code_fingerprint
from builder.memory.results import ResultCache, json_digest
from builder.workers import map_in_order

# Numeric styles number their bibliography ("[1]", "1."): one citation alone needs no number.
LEADING_NUMBER = re.compile(r"^\s*(?:\[\d+\]|\d+\.)\s*")
SUBSTITUTED = ("title", "title-short")
PARALLEL_FROM = 40  # citations to render; below this, starting workers costs more than it saves


@dataclass(frozen=True)
class StyledCitation:
    label: str  # e.g. "APA"
    style: str  # the CSL style's name, e.g. "apa"
    text: str


def _repress_substituted(self: Substitute, child, context) -> None:
    """CSL 1.0.2: the title shown in place of missing names is suppressed in the rest of the citation.

    citeproc-py suppresses only a `<text variable>` right inside `<substitute>`; APA, Chicago, Harvard and
    MLA substitute the title through macros, and an author-less work then showed its title twice. The
    macros name more variables than they show (publisher, genre): only the title, the one a record without
    creators or editors shows there, is suppressed.
    """
    repressed = context.get_layout().repressed
    for text in _texts_of(child):
        variable = text.get("variable")
        if variable in SUBSTITUTED and variable not in repressed.setdefault(text.tag, []):
            repressed[text.tag].append(variable)


def _texts_of(element):
    """The `<text variable>` elements an element renders, through macros."""
    if isinstance(element, Text) and element.get("macro"):
        element = element.get_macro(element.get("macro"))
    for inner in element.iter():
        if isinstance(inner, Text) and inner.get("variable"):
            yield inner
        elif isinstance(inner, Text) and inner.get("macro") and inner is not element:
            yield from _texts_of(inner)


Substitute.add_to_repressed_list = _repress_substituted


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
    """Names a style's cached citations: its file, and this module's code, which mends citeproc-py's output."""
    text = csl_style_path(name).read_bytes() + code_fingerprint(__name__).encode()
    return hashlib.sha256(text).hexdigest()[:32]


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
