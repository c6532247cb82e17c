"""A production catalogue kept apart from the demo: a snapshot harvested from nothing, sites without examples."""

from __future__ import annotations

import pytest

from builder.cli import main
from builder.memory.catalogue_cache import cached_catalogue
from builder.views.collections import load_collection
from tests.conftest import SNAPSHOT


def harvest_new(project, target, *extra) -> int:
    return main(["harvest", "--source", "dump", "--url", str(SNAPSHOT), "--project", str(project), "--quiet",
                 "--snapshot", str(target), *extra])


def test_harvest_new_starts_a_snapshot_from_nothing(project, tmp_path, capsys):
    target = tmp_path / "catalogue" / "production.xml"
    assert harvest_new(project, target, "--new") == 0
    assert target.is_file()
    catalogue, _ = cached_catalogue(target, None)
    assert len(catalogue.publications) == len(cached_catalogue(SNAPSHOT, None)[0].publications)
    assert "catalogue/production.xml: " in capsys.readouterr().out


def test_harvest_new_refuses_a_snapshot_that_exists_and_keeps_it(project, tmp_path, capsys):
    target = tmp_path / "production.xml"
    target.write_text("<icatdata/>")
    assert harvest_new(project, target, "--new") == 1
    assert "production.xml: exists already; --new starts a snapshot from nothing" in capsys.readouterr().err
    assert target.read_text() == "<icatdata/>"


def test_harvest_new_needs_its_own_file_not_the_demo(project, capsys):
    assert main(["harvest", "--source", "dump", "--url", str(SNAPSHOT), "--project", str(project), "--new"]) == 1
    assert "--new: give the new snapshot's file with --snapshot" in capsys.readouterr().err


@pytest.fixture(scope="module")
def catalogue():
    return cached_catalogue(SNAPSHOT, None)[0]


def test_a_doi_prefix_rule_leaves_out_the_example_records(project, catalogue):
    paleo = project / "collections" / "paleo.yml"
    text = paleo.read_text()
    before = load_collection(paleo, catalogue, "collections/paleo.yml")
    paleo.write_text(text.replace("select:\n", "select:\n  doi_prefixes: [\"10.15151\"]\n", 1))
    after = load_collection(paleo, catalogue, "collections/paleo.yml")
    dois = [doi for key in after.keys for doi in catalogue.datasets[key].doi_list]
    assert dois and all(doi.startswith("10.15151/") for doi in dois)
    examples = [key for key in before.keys if any(d.startswith("10.99999/") for d in catalogue.datasets[key].doi_list)]
    assert len(examples) == 33 and set(after.keys) == set(before.keys) - set(examples) - {
        key for key in before.keys if not catalogue.datasets[key].doi_list}
