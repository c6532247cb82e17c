"""Facts per dataset read straight from the dump's XML with lxml: an independent oracle for tests."""

from __future__ import annotations

from functools import cache

from lxml import etree

from tests.conftest import SNAPSHOT


@cache
def dataset_facts() -> list[dict[str, str | float | tuple]]:
    """For every dataset: its name, beamline, techniques, and every dataset and sample parameter by name
    (a number, a text, or a (low, high) pair for an ICAT range)."""
    tree = etree.parse(str(SNAPSHOT))
    types = {t.get("id"): (t.findtext("name"), t.findtext("valueType")) for t in tree.iterfind("data/parameterType")}
    instruments = {i.get("id"): i.findtext("name") for i in tree.iterfind("data/instrument")}
    techniques = {t.get("id"): t.findtext("name") for t in tree.iterfind("data/technique")}

    def parameters(element) -> dict:
        found = {}
        for parameter in element.iterfind("parameters"):
            name, kind = types[parameter.find("type").get("ref")]
            number = parameter.findtext("numericValue")
            low, high = parameter.findtext("rangeBottom"), parameter.findtext("rangeTop")
            if number is not None:
                found[name] = float(number)
            elif low is not None and high is not None:
                found[name] = (float(low), float(high))
            else:
                found[name] = parameter.findtext("stringValue")
        return found

    samples = {s.get("id"): parameters(s) for s in tree.iterfind("data/sample")}
    facts = []
    for dataset in tree.iterfind("data/dataset"):
        instrument = dataset.find("datasetInstruments/instrument")
        sample = dataset.find("sample")
        row = {"name": dataset.findtext("name"), "start": (dataset.findtext("startDate") or "")[:10],
               "description": dataset.findtext("description"),
               "beamline": instruments[instrument.get("ref")] if instrument is not None else None,
               "techniques": tuple(techniques[t.get("ref")] for t in dataset.iterfind("datasetTechniques/technique"))}
        if sample is not None:
            row.update(samples[sample.get("ref")])
        row.update(parameters(dataset))
        facts.append(row)
    return facts


def count(**wanted) -> int:
    """Datasets whose facts equal every given value (a callable value is a test)."""
    return count_in(dataset_facts(), **wanted)


def count_in(rows, **wanted) -> int:
    def ok(row, name, value):
        return value(row.get(name)) if callable(value) else row.get(name) == value
    return sum(1 for row in rows if all(ok(row, name, value) for name, value in wanted.items()))


HIPCT = "Hierarchical Phase-Contrast Tomography (HiP-CT)"


def hoa_facts() -> list[dict]:
    """The datasets of the Human Organ Atlas (its collection selects the HiP-CT technique)."""
    return [row for row in dataset_facts() if HIPCT in row["techniques"]]


def hoa_count(**wanted) -> int:
    return count_in(hoa_facts(), **wanted)
