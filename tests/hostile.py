"""Hostile catalogue text for tests: strings an attacker or a careless curator could put in any field.

`hostile_snapshot` writes a copy of the embedded snapshot where every text
and URL field of a few entities of each investigation (their datasets,
files, samples, DOIs with their people and related items, licences) holds
a string drawn from a Hypothesis strategy, and where the first dataset's
description and DOI title are 200 kB without a space.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from hypothesis import strategies as st
from lxml import etree

from tests.conftest import SNAPSHOT

PAYLOADS = [
    "<script>alert(1)</script>", "</script><script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
    "'-alert(1)-'", "{{7*7}}{% raw %}", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "https://evil.example/\r\nContent-Security-Policy: script-src *\r\n/*\r\n  X-Injected: 1",
    "https://a.example/x,y\"<z>;rel=\"x\"", "mailto:a@b.example", "doi:10.1234/x", "urn:nbn:de:x",
    "file:///etc/passwd", "//evil.example/", "line\nbreak", "cr\rreturn", "next\x85line", "ls\u2028ps\u2029x",
    "\u202eRTL override", "\u200f\u200e\u061c marks", "emoji 🧪🫁👩🏽‍🔬", "\ufeffbom", "x" * 2000,
]
# Characters XML 1.0 cannot carry at all: a snapshot never holds them.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
SKIPPED = {  # fields whose value the ICAT schema types (dates, numbers, enumerations) or that name entities
    "startDate", "endDate", "date", "publicationDate", "releaseDate", "complete", "fileSize", "orderKey",
    "contributorType", "dateType", "relationType", "relatedItemType", "numericValue", "dateTimeValue", "pid",
    "valueType", "visitId", "doi", "orcidId",
}
RELATED_KINDS = ("URL", "ISBN", "HANDLE", "ARK", "DOI", "URN")
LONG_RUN = "y" * 200_000


def hostile_text() -> st.SearchStrategy[str]:
    """Payloads, generated text (any code point XML carries) and mixes of the two."""
    generated = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)
    return st.one_of(st.sampled_from(PAYLOADS), generated,
                     st.tuples(generated, st.sampled_from(PAYLOADS)).map("".join)).map(_in_xml)


def _in_xml(text: str) -> str:
    return NOT_IN_XML.sub("", text) or "x"


def hostile_snapshot(target: Path, draw: Callable[[], str], per_investigation: int = 2) -> dict[str, list[str]]:
    """Write the snapshot with hostile fields; the names of the datasets edited and the DOIs, by kind."""
    tree = etree.parse(str(SNAPSHOT))
    root = tree.getroot()
    datasets = _chosen_datasets(root, per_investigation)
    ids = {d.get("id") for d in datasets}
    collections = {c.get("id") for c in root.iterfind("data/dataCollection")
                   if {r.get("ref") for r in c.iterfind("dataCollectionDatasets/dataset")} & ids}
    publications = [p for p in root.iterfind("data/dataPublication") if p.find("content").get("ref") in collections]
    for number, dataset in enumerate(datasets):
        _fill(dataset, draw)
        name = dataset.find("name")  # a page's path: kept unique and one path segment, else the build must refuse
        name.text = re.sub(r"[/\\]", "_", draw())[:40].lstrip(".") + f"-{number}"
    for entity in root.iterfind("data/*"):
        if entity.tag in ("datafile", "sample") and _refers_to(entity, ids):
            _fill(entity, draw)
        if entity.tag == "dataCollection" and entity.get("id") in collections:
            for value in entity.iterfind("parameters/stringValue"):  # DOI_rights: name, identifier, URL
                value.text = f"{draw().replace(',', ' ')},CC-BY-4.0,{draw()}"
    for publication in publications:
        _fill(publication, draw)
        for kind in RELATED_KINDS:
            item = etree.SubElement(publication, "relatedItems")
            for tag, text in (("identifier", f"{kind}:{draw()}"), ("relatedItemType", "Text"),
                              ("relationType", "References"), ("title", draw())):
                etree.SubElement(item, tag).text = text
    datasets[0].find("description").text = LONG_RUN
    publications[0].find("title").text = LONG_RUN
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return {"datasets": [d.findtext("name") for d in datasets], "dois": [p.findtext("pid") for p in publications]}


def _chosen_datasets(root, per_investigation: int) -> list:
    chosen, counts = [], {}
    for dataset in root.iterfind("data/dataset"):
        investigation = dataset.find("investigation").get("ref")
        if counts.get(investigation, 0) < per_investigation and dataset.find("description") is not None:
            counts[investigation] = counts.get(investigation, 0) + 1
            chosen.append(dataset)
    return chosen


def _refers_to(entity, ids: set[str]) -> bool:
    return any(element.get("ref") in ids for element in entity.iter())


def _fill(entity, draw: Callable[[], str]) -> None:
    """Every text field of the entity and of its nested elements, but typed ones, references and a dataset's
    name (its page's path: set apart)."""
    for element in entity.iter():
        if element is entity or len(element) or element.get("ref") or element.tag in SKIPPED or element.text is None:
            continue
        if not (entity.tag == "dataset" and element.tag == "name"):
            element.text = draw()
