"""Bad input gets a clear error naming file and line, a non-zero exit, and loses nothing."""

import re

import pytest

from builder.cli import main
from tests.conftest import SNAPSHOT
from tests.integration.test_build_hoa import tree_hashes


@pytest.fixture
def built(project, tmp_path):
    out = tmp_path / "out"
    assert main(["build", "hoa", "--project", str(project), "--out", str(out), "--quiet"]) == 0
    return out


def rebuild(project, out, *extra) -> int:
    return main(["build", "hoa", "--project", str(project), "--out", str(out), "--quiet", *extra])


def break_file(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def left_in(out) -> list[str]:
    """The names in `out`, but for the site a build swapped out: kept as the spare of the next build, or being
    removed in the background."""
    return sorted(p.name for p in out.iterdir() if ".old-" not in p.name and not p.name.endswith(".spare"))


def assert_refused(capsys, project, out, before, pattern, *extra):
    capsys.readouterr()
    assert rebuild(project, out, *extra) == 1
    error = capsys.readouterr().err
    assert re.search(pattern, error), error
    assert "previous site is unchanged" in error
    assert tree_hashes(out / "hoa") == before
    assert left_in(out) == ["hoa"]  # no half-built folder left behind


def test_unknown_key(project, built, capsys):
    before = tree_hashes(built / "hoa")
    break_file(project / "collections/hoa.yml", "  - {field: sex}", "  - {field: sex, sort: asc}")
    assert_refused(capsys, project, built, before, r"collections/hoa\.yml:\d+:\d+: facets\[0\]\.sort: unknown key")


def test_typo_in_a_parameter_name(project, built, capsys):
    before = tree_hashes(built / "hoa")
    break_file(project / "collections/hoa.yml", "TOMOAcquisition_energy}", "TOMOAcquisiton_energy}")
    assert_refused(capsys, project, built, before,
                   r"collections/hoa\.yml:\d+:\d+: fields\.energy\.parameter: no parameter 'TOMOAcquisiton_energy'"
                   r".*did you mean 'TOMOAcquisition_energy'")


def test_yaml_syntax_error(project, built, capsys):
    before = tree_hashes(built / "hoa")
    break_file(project / "site_config/hoa.yml", "collections: [hoa]", "collections: [hoa")
    assert_refused(capsys, project, built, before, r"site_config/hoa\.yml:\d+:\d+: YAML syntax error")


def test_truncated_snapshot(project, built, capsys, tmp_path):
    before = tree_hashes(built / "hoa")
    truncated = tmp_path / "truncated.xml"
    data = SNAPSHOT.read_bytes()
    truncated.write_bytes(data[: int(len(data) * 0.6)])
    assert_refused(capsys, project, built, before, r"truncated\.xml:\d+:\d+: not a well-formed ICAT dump.*truncated",
                   "--snapshot", str(truncated))


def test_two_datasets_on_one_url(project, built, capsys):
    before = tree_hashes(built / "hoa")
    break_file(project / "site_config/hoa.yml", 'dataset: "datasets/{name}/"', 'dataset: "datasets/{proposal}/"')
    assert_refused(capsys, project, built, before,
                   r"site_config/hoa\.yml:\d+:\d+: paths: dataset '.*' and dataset '.*' both map to 'datasets/md\d+/'")


def test_image_root_that_is_no_folder(project, built, capsys):
    before = tree_hashes(built / "hoa")
    (project / "site_config/hoa.yml").write_text((project / "site_config/hoa.yml").read_text()
                                                 + "images:\n  root: hoa/no-such-images\n")
    assert_refused(capsys, project, built, before,
                   r"site_config/hoa\.yml:\d+:\d+: images\.root: folder not found: hoa/no-such-images")


def test_card_subtitle_that_names_no_field(project, built, capsys):
    before = tree_hashes(built / "hoa")
    break_file(project / "collections/hoa.yml", "subtitle: name", "subtitle: nmae")
    assert_refused(capsys, project, built, before,
                   r"collections/hoa\.yml:\d+:\d+: card\.subtitle: names no field of 'fields'.*did you mean 'name'")


def test_a_value_label_on_a_numeric_facet(project, built, capsys):
    before = tree_hashes(built / "hoa")
    break_file(project / "collections/hoa.yml", "parameter: SamplePatient_age, unit: years}",
               "parameter: SamplePatient_age, unit: years, values: {'60': sixty}}")
    assert_refused(capsys, project, built, before,
                   r"collections/hoa\.yml:\d+:\d+: fields\.age\.values: labels and orders are for text values, "
                   r"but 'age' is a number")


def test_a_label_of_a_value_no_dataset_has_is_a_warning_naming_its_line(project, tmp_path, capsys):
    schema = project / "collections/hoa.yml"
    break_file(schema, "values: {achillesTendon:", "values: {hart: heart, achillesTendon:")
    line = next(number for number, text in enumerate(schema.read_text().splitlines(), 1) if "hart: heart" in text)
    column = schema.read_text().splitlines()[line - 1].index("hart") + 1
    assert main(["build", "hoa", "--project", str(project), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    warnings = [text for text in capsys.readouterr().err.splitlines() if text.startswith("warning: ")]
    assert f"warning: collections/hoa.yml:{line}:{column}: fields.organ.values.hart: no dataset of the collection " \
           "has the value 'hart' (did you mean 'heart'?)" in warnings


def test_neuroglancer_url_that_is_no_http_url(project, built, capsys):
    before = tree_hashes(built / "hoa")
    break_file(project / "site_config/hoa.yml", "url: https://neuroglancer-demo.appspot.com/", "url: neuroglancer")
    assert_refused(capsys, project, built, before,
                   r"site_config/hoa\.yml:\d+:\d+: neuroglancer\.url: expected an http\(s\) URL, got 'neuroglancer'")


def test_usage_errors_exit_with_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["build", "--no-such-flag"])
    assert caught.value.code == 2
    assert main([]) == 2


def test_unknown_site_name(project, built, capsys):
    assert main(["build", "atlantis", "--project", str(project), "--out", str(built)]) == 1
    sites = ", ".join(sorted(path.stem for path in (project / "site_config").glob("*.yml")))
    assert f"no site 'atlantis'; sites here: {sites}" in capsys.readouterr().err


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["build", "--help"])
    assert caught.value.code == 0
    assert "examples:" in capsys.readouterr().out
