"""`atlasgen validate`: each kind of finding on a copy of the real project, with file:line:column and exit status."""

from __future__ import annotations

import json
import re

import pytest

from builder.cli import main


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def curated(project, cache):
    """The project copy, sharing one catalogue cache across this module's tests."""
    (project / ".cache").symlink_to(cache, target_is_directory=True)
    return project


def validate(project, capsys, *extra) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["validate", "--project", str(project), *extra])
    return code, capsys.readouterr().out


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def line_of(path, text) -> int:
    return position_of(path, text)[0]


def position_of(path, text) -> tuple[int, int]:
    """1-based line and column where `text` first starts in the file."""
    return next((number, line.index(text) + 1) for number, line in enumerate(path.read_text().splitlines(), 1)
                if text in line)


def test_the_shipped_project_has_no_errors(curated, capsys):
    code, out = validate(curated, capsys)
    assert code == 0, out
    assert re.search(r"^9 files checked: 0 errors, \d+ warnings$", out, re.M), out


def test_a_misspelt_parameter_is_an_error_with_did_you_mean(curated, capsys):
    hoa = curated / "collections/hoa.yml"
    edit(hoa, "TOMOAcquisition_energy}", "TOMOAcquisiton_energy}")
    code, out = validate(curated, capsys)
    line = line_of(hoa, "TOMOAcquisiton_energy")
    assert code == 1
    assert re.search(rf"^error: collections/hoa\.yml:{line}:\d+: fields\.energy\.parameter: no parameter "
                     r"'TOMOAcquisiton_energy' in the snapshot \(did you mean 'TOMOAcquisition_energy'\?\)", out, re.M)


def test_a_parameter_no_dataset_of_the_collection_has_is_a_warning(curated, capsys):
    hoa = curated / "collections/hoa.yml"
    # A real ESRF parameter of the paleontology records: a known name, but no HOA dataset has it.
    edit(hoa, "parameter: SamplePatient_info}", "parameter: SamplePaleo_scientific_domain}")
    code, out = validate(curated, capsys, "hoa")
    assert code == 0, out
    line = line_of(hoa, "SamplePaleo_scientific_domain")
    assert re.search(rf"^warning: collections/hoa\.yml:{line}:\d+: fields\.medical_history\.parameter: no dataset of "
                     r"the collection has parameter 'SamplePaleo_scientific_domain'", out, re.M), out


def test_a_select_value_no_dataset_has_is_named(curated, capsys):
    hoa = curated / "collections/hoa.yml"
    edit(hoa, 'select:\n  techniques: ["Hierarchical Phase-Contrast Tomography (HiP-CT)"]',
         "select:\n  parameters:\n    SamplePatient_organ_name: [brian, heart]")
    code, out = validate(curated, capsys, "hoa")
    assert code == 1
    line, column = position_of(hoa, "brian")
    assert re.search(rf"^error: collections/hoa\.yml:{line}:{column}: "
                     r"select\.parameters\.SamplePatient_organ_name\[0\]: "
                     r"no dataset has SamplePatient_organ_name 'brian' \(did you mean 'brain'\?\)", out, re.M), out
    assert "'heart'" not in out


def test_a_facet_with_one_value_is_a_warning(curated, capsys):
    hoa = curated / "collections/hoa.yml"
    edit(hoa, "  - {field: dataset_kind}\n", "  - {field: dataset_kind}\n  - {field: technique}\n")
    code, out = validate(curated, capsys, "hoa")
    assert code == 0
    line = line_of(hoa, "{field: technique}")
    assert re.search(rf"^warning: collections/hoa\.yml:{line}:\d+: facets\[10\]\.field: facet 'technique' has only "
                     r"the value 'Hierarchical Phase-Contrast Tomography \(HiP-CT\)' in the 378 datasets", out, re.M)


def test_a_field_shown_nowhere_is_a_warning(curated, capsys):
    hoa = curated / "collections/hoa.yml"
    edit(hoa, "  # Sample\n", "  # Sample\n  ring_current_end: {label: Ring current at end, parameter: "
                              "TOMOAcquisition_srcur_stop}\n")
    code, out = validate(curated, capsys, "hoa")
    assert code == 0
    line = line_of(hoa, "ring_current_end:")
    assert re.search(rf"^warning: collections/hoa\.yml:{line}:3: fields\.ring_current_end: field 'ring_current_end' "
                     r"is shown nowhere", out, re.M), out


@pytest.mark.parametrize("facet_type, needs", [("range", "numbers"), ("date", "dates")])
def test_a_facet_type_that_does_not_fit_its_field_is_an_error_not_a_traceback(curated, capsys, facet_type, needs):
    hoa = curated / "collections/hoa.yml"
    edit(hoa, "  - {field: sex}", f"  - {{field: sex, type: {facet_type}}}")
    line, column = position_of(hoa, f"{{field: sex, type: {facet_type}}}")
    column += len("{field: sex, type: ")
    code, out = validate(curated, capsys, "hoa")
    assert code == 1
    assert re.search(rf"^error: collections/hoa\.yml:{line}:{column}: facets\[0\]\.type: "
                     rf"a {facet_type} facet needs {needs}, but field 'sex' \(parameter SamplePatient_sex\) "
                     r"holds text values", out, re.M), out
    capsys.readouterr()
    assert main(["build", "hoa", "--project", str(curated), "--out", str(curated / "out"), "--quiet"]) == 1
    assert f"hoa.yml:{line}:{column}: facets[0].type: a {facet_type} facet needs {needs}" in capsys.readouterr().err


def test_json_report_lists_errors_and_warnings_with_positions(curated, capsys):
    hoa = curated / "collections/hoa.yml"
    edit(hoa, "  - {field: sex}", "  - {field: sex, type: range}")
    code, out = validate(curated, capsys, "--json")
    report = json.loads(out)
    assert code == 1
    assert set(report) == {"checked", "errors", "warnings"}
    assert "collections/hoa.yml" in report["checked"] and "site_config/hoa.yml" in report["checked"]
    [error] = report["errors"]
    line, column = position_of(hoa, "{field: sex, type: range}")
    assert (error["path"], error["line"], error["column"], error["key"]) == \
        ("collections/hoa.yml", line, column + len("{field: sex, type: "), "facets[0].type")
    assert all(w["line"] for w in report["warnings"])


def test_an_unknown_site_is_an_error(curated, capsys):
    code, out = validate(curated, capsys, "hoa", "organs")
    assert code == 1
    assert "error: site_config: no site 'organs'; sites here: cultural-heritage, doi, hoa, paleo" in out
