"""Facts per dataset read straight from the dump's XML with lxml: an independent oracle for tests."""

from __future__ import annotations

from functools import cache

from lxml import etree

from tests.conftest import SNAPSHOT


@cache
def dataset_facts() -> list[dict[str, str | float]]:
    """For every dataset: its name, beamline, and every dataset and sample parameter by name."""
    tree = etree.parse(str(SNAPSHOT))
    types = {t.get("id"): (t.findtext("name"), t.findtext("valueType")) for t in tree.iterfind("data/parameterType")}
    instruments = {i.get("id"): i.findtext("name") for i in tree.iterfind("data/instrument")}

    def parameters(element) -> dict:
        found = {}
        for parameter in element.iterfind("parameters"):
            name, kind = types[parameter.find("type").get("ref")]
            number = parameter.findtext("numericValue")
            found[name] = float(number) if number is not None else parameter.findtext("stringValue")
        return found

    samples = {s.get("id"): parameters(s) for s in tree.iterfind("data/sample")}
    facts = []
    for dataset in tree.iterfind("data/dataset"):
        row = {"name": dataset.findtext("name"), "start": dataset.findtext("startDate")[:10],
               "description": dataset.findtext("description"),
               "beamline": instruments[dataset.find("datasetInstruments/instrument").get("ref")]}
        row.update(samples[dataset.find("sample").get("ref")])
        row.update(parameters(dataset))
        facts.append(row)
    return facts


def count(**wanted) -> int:
    """Datasets whose facts equal every given value (a callable value is a test)."""
    def ok(row, name, value):
        return value(row.get(name)) if callable(value) else row.get(name) == value
    return sum(1 for row in dataset_facts() if all(ok(row, name, value) for name, value in wanted.items()))
