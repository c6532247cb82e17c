"""`atlasgen fields`: the parameters of the snapshot, counted as the dump itself says."""

from __future__ import annotations

import json
from collections import Counter

from lxml import etree

from builder.cli import main
from tests.conftest import REPO, SNAPSHOT


def dataset_values(type_ref: str) -> Counter:
    """The values of one parameter type over the dump's datasets, read straight from its XML."""
    tree = etree.parse(str(SNAPSHOT))
    return Counter(p.findtext("stringValue") for d in tree.iterfind("data/dataset") for p in d.iterfind("parameters")
                   if p.find("type").get("ref") == type_ref)


def test_fields_counts_a_parameters_datasets_and_values_as_the_dump_does(capsys):
    assert main(["fields", "--project", str(REPO), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    expected = dataset_values("ParameterType_HOA_dataset_type")
    [entry] = [p for p in report["parameters"] if p["name"] == "HOA_dataset_type"]
    assert entry["datasets"] == sum(expected.values()) and entry["distinct"] == len(expected)
    assert entry["examples"] == [value for value, _ in expected.most_common()]
    assert entry["value_type"] == "STRING" and report["datasets"] == len(
        etree.parse(str(SNAPSHOT)).findall("data/dataset"))


def test_fields_of_a_collection_as_a_table(capsys):
    assert main(["fields", "--project", str(REPO), "--collection", "hoa"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("parameters in the 378 datasets of collection hoa")
    assert lines[1].split() == ["parameter", "datasets", "values", "type", "units", "examples"]
    [energy] = [line for line in lines if line.startswith("TOMOAcquisition_energy ")]
    assert energy.split()[3:5] == ["NUMERIC", "keV"] and "…" in energy
