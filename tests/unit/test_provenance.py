"""Raw and processed datasets linked both ways, on records made here: the poster's five cardinalities,
the best result, inputs missing from the snapshot, and cycles."""

import pytest

from builder.catalogue.provenance import link, walk
from builder.views.collections import load_collection
from builder.views.shaping import Shaper
from tests.curated_records import catalogue_of

# Every name says its case: r = raw, p = processed, m = merged; the digits tell them apart.
RECORDS = """
investigations:
  - {name: PROV, visit: v1, title: Provenance cases}
samples:
  - {name: s1}
datasets:
  # 1:1
  - {name: one-r, investigation: PROV, type: raw, start: 2023-01-01, location: /d/one-r, sample: s1}
  - {name: one-p, investigation: PROV, start: 2023-01-02, location: /d/one-p, sample: s1, inputs: [one-r],
     parameters: {Process_program: prog-a}}
  # 1:1:1
  - {name: chain-r, investigation: PROV, type: raw, start: 2023-02-01, location: /d/chain-r, sample: s1}
  - {name: chain-p1, investigation: PROV, start: 2023-02-02, location: /d/chain-p1, sample: s1, inputs: [chain-r],
     parameters: {Process_program: integrate}}
  - {name: chain-p2, investigation: PROV, start: 2023-02-03, location: /d/chain-p2, sample: s1, inputs: [chain-p1],
     parameters: {Process_program: phase}}
  # 1:N, ranked by the overall high-resolution limit, the lowest best
  - {name: many-r, investigation: PROV, type: raw, start: 2023-03-01, location: /d/many-r, sample: s1}
  - {name: many-p1, investigation: PROV, start: 2023-03-04, location: /d/many-p1, sample: s1, inputs: [many-r],
     parameters: {Process_program: EDNA_proc, MXAutoprocIntegrationScaling_overall_resolution_limit_high: 3.3}}
  - {name: many-p2, investigation: PROV, start: 2023-03-02, location: /d/many-p2, sample: s1, inputs: [many-r],
     parameters: {Process_program: XIA2_DIALS, MXAutoprocIntegrationScaling_overall_resolution_limit_high: 3.1}}
  - {name: many-p3, investigation: PROV, start: 2023-03-03, location: /d/many-p3, sample: s1, inputs: [many-r],
     parameters: {Process_program: autoPROC, MXAutoprocIntegrationScaling_overall_resolution_limit_high: 3.2}}
  # N:1
  - {name: fan-r1, investigation: PROV, type: raw, start: 2023-04-01, location: /d/fan-r1, sample: s1}
  - {name: fan-r2, investigation: PROV, type: raw, start: 2023-04-02, location: /d/fan-r2, sample: s1}
  - {name: fan-r3, investigation: PROV, type: raw, start: 2023-04-03, location: /d/fan-r3, sample: s1}
  - {name: fan-p, investigation: PROV, start: 2023-04-04, location: /d/fan-p, sample: s1,
     inputs: [fan-r1, fan-r2, fan-r3], parameters: {Process_program: tomogram}}
  # N:N:1
  - {name: merge-r1, investigation: PROV, type: raw, start: 2023-05-01, location: /d/merge-r1, sample: s1}
  - {name: merge-r2, investigation: PROV, type: raw, start: 2023-05-02, location: /d/merge-r2, sample: s1}
  - {name: merge-p1, investigation: PROV, start: 2023-05-03, location: /d/merge-p1, sample: s1, inputs: [merge-r1],
     parameters: {Process_program: XIA2_DIALS, MXAutoprocIntegrationScaling_overall_resolution_limit_high: 2.2}}
  - {name: merge-p2, investigation: PROV, start: 2023-05-04, location: /d/merge-p2, sample: s1, inputs: [merge-r2],
     parameters: {Process_program: XIA2_DIALS, MXAutoprocIntegrationScaling_overall_resolution_limit_high: 2.1}}
  - {name: merge-m, investigation: PROV, start: 2023-05-05, location: /d/merge-m, sample: s1,
     inputs: [merge-p1, merge-p2],
     parameters: {Process_program: multiplex, MXAutoprocIntegrationScaling_overall_resolution_limit_high: 2.0}}
  # an input that is in no dataset's location, beside one that is
  - {name: lost-p, investigation: PROV, start: 2023-06-02, location: /d/lost-p, sample: s1,
     inputs: [/d/nowhere, one-r], parameters: {Process_program: prog-b}}
  # a cycle of three
  - {name: loop-a, investigation: PROV, start: 2023-07-01, location: /d/loop-a, sample: s1, inputs: [/d/loop-c]}
  - {name: loop-b, investigation: PROV, start: 2023-07-02, location: /d/loop-b, sample: s1, inputs: [loop-a]}
  - {name: loop-c, investigation: PROV, start: 2023-07-03, location: /d/loop-c, sample: s1, inputs: [loop-b]}
  # made from itself
  - {name: self, investigation: PROV, start: 2023-08-01, location: /d/self, sample: s1, inputs: [/d/self]}
  # no link at all
  - {name: alone, investigation: PROV, location: /d/alone, sample: s1}
"""

COLLECTION = """\
title: Provenance
fields:
  program: {parameter: Process_program}
  high: {label: Resolution high, parameter: MXAutoprocIntegrationScaling_overall_resolution_limit_high}
groups:
  - {label: Data, fields: [name, program, high]}
card: {fields: [name]}
sort: {default: name, options: {name: {field: name}}}
search: {fields: {name: 1}}
display:
  - name: raw
    when: {dataset_types: [raw]}
    groups: [Data]
    results: {fields: [high], best: {field: high, prefer: lowest}}
  - name: processed
    groups: [Data]
    results: {fields: [program, high]}
"""


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return catalogue_of(tmp_path_factory.mktemp("provenance"), RECORDS)


@pytest.fixture(scope="module")
def shaper(catalogue, tmp_path_factory):
    path = tmp_path_factory.mktemp("collection") / "provenance.yml"
    path.write_text(COLLECTION)
    return Shaper(load_collection(path, catalogue), catalogue)


def view(shaper, catalogue, name):
    return shaper.view(next(d for d in catalogue.datasets.values() if d.name == name))


def names(catalogue, rows) -> list[tuple[str, int]]:
    return [(catalogue.datasets[row.key].name, row.distance) for row in rows]


def made_from(catalogue, row) -> list[str]:
    return [catalogue.datasets[key].name for key in row.made_from]


def test_one_to_one(shaper, catalogue):
    raw = view(shaper, catalogue, "one-r").provenance
    assert names(catalogue, raw.results) == [("one-p", 1), ("lost-p", 1)]
    assert raw.inputs == ()
    assert raw.results[0].program == "prog-a" and raw.results[0].date == "2023-01-02"
    processed = view(shaper, catalogue, "one-p").provenance
    assert names(catalogue, processed.inputs) == [("one-r", 1)]
    assert processed.results == ()
    assert processed.inputs[0].dataset_type == "raw"


def test_one_to_one_to_one_is_a_chain_seen_from_every_link(shaper, catalogue):
    raw = view(shaper, catalogue, "chain-r").provenance
    assert names(catalogue, raw.results) == [("chain-p1", 1), ("chain-p2", 2)]
    assert made_from(catalogue, raw.results[1]) == ["chain-p1"]
    middle = view(shaper, catalogue, "chain-p1").provenance
    assert names(catalogue, middle.inputs) == [("chain-r", 1)]
    assert names(catalogue, middle.results) == [("chain-p2", 1)]
    last = view(shaper, catalogue, "chain-p2").provenance
    assert names(catalogue, last.inputs) == [("chain-p1", 1), ("chain-r", 2)]


def test_one_to_many_lists_every_result_in_the_order_made_and_marks_the_best(shaper, catalogue):
    raw = view(shaper, catalogue, "many-r").provenance
    assert names(catalogue, raw.results) == [("many-p2", 1), ("many-p3", 1), ("many-p1", 1)]
    assert [row.program for row in raw.results] == ["XIA2_DIALS", "autoPROC", "EDNA_proc"]
    assert [row.cells for row in raw.results] == [("3.1\u00a0Å",), ("3.2\u00a0Å",), ("3.3\u00a0Å",)]
    assert [row.best for row in raw.results] == [True, False, False]
    assert raw.columns == ("Resolution high",)
    assert raw.best_label == "lowest Resolution high"
    for name in ("many-p1", "many-p2", "many-p3"):
        assert names(catalogue, view(shaper, catalogue, name).provenance.inputs) == [("many-r", 1)]


def test_the_best_is_the_highest_when_the_rule_says_so(tmp_path, catalogue):
    path = tmp_path / "highest.yml"
    path.write_text(COLLECTION.replace("prefer: lowest", "prefer: highest"))
    raw = view(Shaper(load_collection(path, catalogue), catalogue), catalogue, "many-r").provenance
    assert [catalogue.datasets[row.key].name for row in raw.results if row.best] == ["many-p1"]


def test_many_to_one(shaper, catalogue):
    result = view(shaper, catalogue, "fan-p").provenance
    assert names(catalogue, result.inputs) == [("fan-r1", 1), ("fan-r2", 1), ("fan-r3", 1)]
    for name in ("fan-r1", "fan-r2", "fan-r3"):
        assert names(catalogue, view(shaper, catalogue, name).provenance.results) == [("fan-p", 1)]


def test_many_to_many_to_one_merges_results(shaper, catalogue):
    merged = view(shaper, catalogue, "merge-m").provenance
    assert names(catalogue, merged.inputs) == [("merge-p1", 1), ("merge-p2", 1), ("merge-r1", 2), ("merge-r2", 2)]
    assert made_from(catalogue, merged.inputs[0]) == ["merge-r1"]
    raw = view(shaper, catalogue, "merge-r1").provenance
    assert names(catalogue, raw.results) == [("merge-p1", 1), ("merge-m", 2)]
    assert made_from(catalogue, raw.results[1]) == ["merge-p1", "merge-p2"]
    # the merge ranks with the other results: its resolution is the best of them
    assert [row.best for row in raw.results] == [False, True]


def test_an_input_missing_from_the_snapshot_is_left_out_and_reported(shaper, catalogue):
    lost = view(shaper, catalogue, "lost-p").provenance
    assert names(catalogue, lost.inputs) == [("one-r", 1)]
    [problem] = [p for p in catalogue.problems if "nowhere" in p.message]
    assert problem.location.key == "dataset 'lost-p' input_datasets"
    assert problem.location.path.endswith("records.xml") and problem.location.line > 0
    assert problem.message == "no dataset of the snapshot is at '/d/nowhere'; the link is left out"


def test_a_cycle_is_reported_and_broken_so_that_every_walk_ends(shaper, catalogue):
    cycles = [p for p in catalogue.problems if "cycle" in p.message]
    assert len(cycles) == 2
    loop = next(p for p in cycles if "loop" in p.message)
    assert "'loop-a' -> 'loop-c' -> 'loop-b' -> 'loop-a'" in loop.message
    assert "the link from 'loop-b' to 'loop-a' is left out" in loop.message
    itself = next(p for p in cycles if "'self'" in p.message)
    assert "'self' -> 'self'" in itself.message
    for name in ("loop-a", "loop-b", "loop-c"):
        page = view(shaper, catalogue, name).provenance  # it returns: no endless walk
        assert name not in [catalogue.datasets[row.key].name for row in page.inputs + page.results]
    assert view(shaper, catalogue, "self").provenance is None  # its only link closed a cycle
    # two links of the three remain: loop-a made from loop-c, made from loop-b
    assert names(catalogue, view(shaper, catalogue, "loop-a").provenance.inputs) == [("loop-c", 1), ("loop-b", 2)]
    assert view(shaper, catalogue, "loop-b").provenance.inputs == ()


def test_a_dataset_without_links_has_no_provenance_section(shaper, catalogue):
    assert view(shaper, catalogue, "alone").provenance is None


def test_link_and_walk_on_plain_keys():
    # a is made from c, c from b, b from a: a cycle; d from c and from a location no dataset has
    provenance = link({"a": "/a", "b": "/b/", "c": "/c", "d": "/d"},
                      {"a": ("/c",), "b": ("/a",), "c": ("/b",), "d": ("/c/", "/missing")})
    assert provenance.cycles == (("a", "c", "b"),)
    assert provenance.inputs == {"a": ("c",), "c": ("b",), "d": ("c",)}
    assert provenance.missing == (("d", "/missing"),)
    assert provenance.derived == {"b": ("c",), "c": ("a", "d")}
    assert walk("d", provenance.inputs) == [("c", 1), ("b", 2)]
    assert walk("b", provenance.derived) == [("c", 1), ("a", 2), ("d", 2)]
