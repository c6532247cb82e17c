"""Curated records (catalogue/sources/curated/*.yml) -> the embedded snapshot, and what they say."""

import re

import pytest
import yaml

from builder.errors import ConfigError
from builder.harvest.sources.curated import read_curated
from scripts.make_snapshot import CURATED
from scripts.make_snapshot import main as make_main
from tests.conftest import SNAPSHOT
from tests.curated_records import catalogue_of
from tests.snapshot_facts import dataset_facts


def test_the_embedded_snapshot_is_exactly_what_make_snapshot_writes(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    assert make_main(["-o", str(first)]) == 0
    assert make_main(["-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes() == SNAPSHOT.read_bytes()


def same(stored, written) -> bool:
    """A value read from the dump's XML is what the curated file says (text parameters hold numbers as text)."""
    if isinstance(written, dict):
        return stored == (written["from"], written["to"])
    if isinstance(stored, str):
        return stored == str(written)
    return stored == pytest.approx(written)


def test_every_curated_dataset_is_in_the_snapshot_with_its_parameters():
    facts = {row["name"]: row for row in dataset_facts()}
    for path in sorted(CURATED.glob("*.yml")):
        source = yaml.safe_load(path.read_text())
        for dataset in source["datasets"]:
            row = facts[dataset["name"]]
            written = dict(dataset.get("parameters") or {})
            if isinstance(dataset.get("sample"), dict):
                written.update(dataset["sample"].get("parameters", {}))
            for name, value in written.items():
                assert same(row[name], value), (dataset["name"], name)


def test_made_up_records_say_so_and_have_no_real_looking_doi():
    for path in sorted(CURATED.glob("*.yml")):
        source = yaml.safe_load(path.read_text())
        for dataset in source["datasets"]:
            publication = dataset.get("publication")
            if dataset["investigation"].startswith("EXAMPLE"):
                assert "example" in (dataset.get("description") or "").lower(), dataset["name"]
                if publication:
                    assert publication["doi"].startswith("10.99999/EXAMPLE-"), dataset["name"]
                    assert publication["title"].startswith("Example"), dataset["name"]
                assert "doi" not in dataset
            else:  # the poster's records: its DOIs only
                assert dataset.get("doi") in (None, "10.15151/ESRF-DC-1634314047", "10.15151/ESRF-DC-1900353410")


def error_of(tmp_path, text: str) -> str:
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_curated(path, "catalogue/sources/curated/bad.yml")
    return str(caught.value)


def test_a_bad_curated_file_names_file_line_and_key(tmp_path):
    message = error_of(tmp_path, """\
investigations: [{name: X, visit: v}]
datasets:
  - {name: a, investigation: X, location: /a, parameters: {SamplePaleo_scientific_domian: ichnology}}
  - {name: b, investigation: Y, inputs: [c], parameters: {TOMOReconstruction_voxel_size_x: thin}}
""")
    assert message.startswith("4 config errors:")
    lines = message.splitlines()[1:]
    assert any(re.fullmatch(r"  catalogue/sources/curated/bad.yml:3:\d+: datasets\[0\]\.parameters\."
                            r"SamplePaleo_scientific_domian: no parameter 'SamplePaleo_scientific_domian' in the ESRF "
                            r"vocabulary or atlasgen's \(did you mean 'SamplePaleo_scientific_domain'\?\)", line)
               for line in lines), message
    assert any(re.fullmatch(r"  .*bad.yml:4:\d+: datasets\[1\]\.investigation: no investigation 'Y'", line)
               for line in lines), message
    assert any(re.fullmatch(r"  .*bad.yml:4:\d+: datasets\[1\]\.inputs\[0\]: no dataset 'c' in this file", line)
               for line in lines), message
    assert any(re.fullmatch(r"  .*bad.yml:4:\d+: datasets\[1\]\.parameters\.TOMOReconstruction_voxel_size_x: "
                            r"'TOMOReconstruction_voxel_size_x' is a number, got 'thin'", line)
               for line in lines), message


def test_a_range_of_years_is_an_icat_range(tmp_path):
    catalogue = catalogue_of(tmp_path, """
        investigations: [{name: X, visit: v}]
        datasets:
          - {name: vase, investigation: X,
             sample: {name: vase, parameters: {Sample_collection_year: {from: -530, to: -520}}}}
    """)
    [dataset] = catalogue.datasets.values()
    year = dataset.parameter("Sample_collection_year")
    assert (year.low, year.high, year.number) == (-530.0, -520.0, None)
