"""`atlasgen new collection` and `new site` from dumps atlasgen did not make; what they write builds at once."""

from __future__ import annotations

import re

import pytest
import yaml

from builder.cli import main
from tests.conftest import FIXTURES
from tests.scratch_dump import write_scratch_dump

PYTHON_ICAT = FIXTURES / "python-icat-example-5.0.xml"


def new_and_build(root, snapshot, name, *choose) -> tuple[dict, set]:
    """Run the commands as a curator would in an empty folder; the written collection, the dataset pages built."""
    project = ["--project", str(root)]
    assert main(["new", "collection", name, "--snapshot", str(snapshot), *choose, *project]) == 0
    assert main(["new", "site", name, *project]) == 0
    assert main(["build", name, "--snapshot", str(snapshot), "--out", str(root / "site"), "--quiet", *project]) == 0
    collection = yaml.safe_load((root / "collections" / f"{name}.yml").read_text())
    pages = {path.parent.name for path in (root / "site" / name / "datasets").glob("*/index.html")}
    return collection, pages


def test_python_icats_example_dump_gives_a_site_with_a_page_per_dataset(tmp_path):
    collection, pages = new_and_build(tmp_path, PYTHON_ICAT, "example")
    names = set(re.findall(r"<dataset id=\"[^\"]+\">.*?<name>([^<]+)</name>", PYTHON_ICAT.read_text(), re.S))
    assert pages == names and len(pages) == 9
    assert collection["fields"]["probe"] == {"label": "Probe", "parameter": "Probe"}
    assert {"field": "probe"} in collection["facets"]


def test_a_dump_written_from_scratch_gives_fields_by_prefix_and_facets_by_kind(tmp_path):
    snapshot = write_scratch_dump(tmp_path / "scratch.xml", datasets=12)
    collection, pages = new_and_build(tmp_path, snapshot, "bones", "--technique", "Micro-computed tomography")
    assert pages == {f"scan-{number:03d}" for number in range(12)}
    assert collection["select"] == {"techniques": ["Micro-computed tomography"]}
    fields = collection["fields"]
    assert fields["detector_pixel_size"] == {"label": "Pixel size", "parameter": "Detector_pixel size"}
    assert fields["scan_operator"]["parameter"] == "Scan_operator"
    groups = {group["label"]: group["fields"] for group in collection["groups"]}
    assert groups["Detector"] == ["detector_pixel_size"] and groups["Scan"] == ["scan_operator"]
    assert set(groups["Parameters"]) == {"beam_energy", "bone", "acquired"}
    facets = [facet["field"] for facet in collection["facets"]]
    # Twelve energies: a range; three bones and two operators: terms; twelve dates; two instruments.
    assert set(facets) == {"beam_energy", "bone", "scan_operator", "detector_pixel_size", "acquired", "instrument"}
    text = (tmp_path / "collections" / "bones.yml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../docs/schema/collection.schema.json\n")
    assert re.search(r"^  beam_energy: .*# number in keV, 12 of 12 datasets, 12 values: 40 to 95$", text, re.M)


def test_an_instrument_chooses_its_datasets_only(tmp_path):
    snapshot = write_scratch_dump(tmp_path / "scratch.xml", datasets=12)
    collection, pages = new_and_build(tmp_path, snapshot, "ida", "--instrument", "ID-A")
    assert pages == {f"scan-{number:03d}" for number in range(0, 12, 2)}
    assert "instrument" not in [facet["field"] for facet in collection["facets"]]


def test_an_unknown_technique_is_named_with_those_there_are(tmp_path, capsys):
    snapshot = write_scratch_dump(tmp_path / "scratch.xml")
    assert main(["new", "collection", "x", "--snapshot", str(snapshot), "--technique", "Micro-computed tomograhy",
                 "--project", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert "no dataset has the technique 'Micro-computed tomograhy' (did you mean 'Micro-computed tomography'?)" \
        in error
    assert not (tmp_path / "collections" / "x.yml").exists()


@pytest.mark.parametrize("kind", ["collection", "site"])
def test_an_existing_file_is_kept_without_force(tmp_path, capsys, kind):
    for name in ("collections", "site_config"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.yml").write_text("title: Mine\n")
    folder = tmp_path / ("collections" if kind == "collection" else "site_config")
    snapshot = ["--snapshot", str(write_scratch_dump(tmp_path / "s.xml"))] if kind == "collection" else []
    assert main(["new", kind, "mine", *snapshot, "--project", str(tmp_path)]) == 1
    assert "exists already; give --force to replace it" in capsys.readouterr().err
    assert (folder / "mine.yml").read_text() == "title: Mine\n"
