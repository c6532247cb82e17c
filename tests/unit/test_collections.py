from pathlib import Path

import pytest

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.snapshot import read_snapshot
from builder.errors import ConfigError
from builder.views.collections import load_collection
from builder.views.shaping import Shaper
from tests.conftest import REPO, SNAPSHOT

HOA_YML = (REPO / "collections" / "hoa.yml").read_text()


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


def load_text(tmp_path: Path, text: str, catalogue):
    path = tmp_path / "hoa.yml"
    path.write_text(text)
    return load_collection(path, catalogue, "collections/hoa.yml")


def error_of(tmp_path, text, catalogue) -> str:
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text, catalogue)
    return str(caught.value)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_hoa_collection_selects_every_hoa_dataset(catalogue):
    collection = load_collection(REPO / "collections" / "hoa.yml", catalogue)
    assert len(collection.keys) == 378


def test_unknown_key_names_file_line_and_the_keys_allowed(tmp_path, catalogue):
    text = HOA_YML.replace("  - {field: sex}", "  - {field: sex, colour: red}")
    message = error_of(tmp_path, text, catalogue)
    line = line_of(text, "colour: red")
    assert message.startswith(f"collections/hoa.yml:{line}:")
    assert "facets[0].colour: unknown key" in message
    assert "expected one of: bins, field, fields, label, levels, show, type" in message


def test_misspelt_top_level_key_gets_a_suggestion(tmp_path, catalogue):
    message = error_of(tmp_path, HOA_YML.replace("\ngroups:", "\ngruops:"), catalogue)
    assert "gruops: unknown key (did you mean 'groups'?)" in message
    assert "groups: required key is missing" in message


def test_a_field_naming_no_parameter_is_an_error_with_a_suggestion(tmp_path, catalogue):
    text = HOA_YML.replace("parameter: SamplePatient_age,", "parameter: SamplePatient_agee,")
    message = error_of(tmp_path, text, catalogue)
    assert message.startswith(f"collections/hoa.yml:{line_of(text, 'SamplePatient_agee')}:")
    assert "fields.age.parameter: no parameter 'SamplePatient_agee' in the snapshot" in message
    assert "did you mean 'SamplePatient_age'?" in message


def test_a_facet_naming_no_field(tmp_path, catalogue):
    text = HOA_YML.replace("  - {field: organ, levels: [organ_context]}", "  - {field: orgen}")
    message = error_of(tmp_path, text, catalogue)
    assert f":{line_of(text, 'field: orgen')}:" in message
    assert "facets[1].field: names no field of 'fields' (did you mean 'organ'?)" in message


def test_wrong_types_get_a_hint(tmp_path, catalogue):
    text = HOA_YML.replace("{field: age, bins: 10}", '{field: age, bins: "10"}')
    # quoted numbers are accepted by lax validation; a word is not
    load_text(tmp_path, text, catalogue)
    message = error_of(tmp_path, HOA_YML.replace("{field: age, bins: 10}", "{field: age, bins: ten}"), catalogue)
    assert "facets[2].bins:" in message and "got 'ten'" in message


def test_yaml_syntax_error_names_the_line(tmp_path, catalogue):
    text = HOA_YML.replace("  - {field: sex}", "  - {field: sex")
    message = error_of(tmp_path, text, catalogue)
    assert message.startswith("collections/hoa.yml:")
    assert "YAML syntax error" in message


def test_all_problems_are_reported_at_once(tmp_path, catalogue):
    text = HOA_YML.replace("{field: sex}", "{field: sx}").replace("{field: organ,", "{field: orgn,")
    message = error_of(tmp_path, text, catalogue)
    assert message.startswith("2 config errors:")


def test_a_selection_matching_nothing_is_an_error(tmp_path, catalogue):
    text = HOA_YML.replace('techniques: ["Hierarchical Phase-Contrast Tomography (HiP-CT)"]',
                           'techniques: ["Hierarchical Phase Contrast Tomography"]')
    message = error_of(tmp_path, text, catalogue)
    assert "select.techniques[0]: no dataset has 'Hierarchical Phase Contrast Tomography'" in message


def test_views_format_values_with_units_and_labels(catalogue):
    collection = load_collection(REPO / "collections" / "hoa.yml", catalogue)
    shaper = Shaper(collection, catalogue)
    dataset = next(d for d in catalogue.datasets.values() if d.name == "A109_lung_VOI-02b_4.14um_bm18")
    view = shaper.view(dataset)
    assert view.values["voxel_size"].text == "4.14\u00a0μm"
    assert view.values["voxel_size"].raw == (4.14,)
    assert view.values["energy"].text == "106\u00a0keV"
    assert view.values["filters"].text == "Sapphire 7mm, Mo 0.44mm"
    assert view.values["age"].text == ""  # A109's age is not published
    female = next(d for d in catalogue.datasets.values() if d.parameter("SamplePatient_sex")
                  and d.parameter("SamplePatient_sex").text == "F")
    assert shaper.view(female).values["sex"].text == "female"
    labels = [group.label for group in view.groups]
    assert labels == ["Donor", "Sample", "Scan parameters", "Data"]
