"""Bad input gets a clear error naming file and line, a non-zero exit, and loses nothing."""

import re
import time

import pytest
from lxml import etree

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


def assert_refused(capsys, project, out, before, pattern, *extra) -> str:
    """The build fails with an error matching `pattern` and changes nothing; the error."""
    capsys.readouterr()
    assert rebuild(project, out, *extra) == 1
    error = capsys.readouterr().err
    assert re.search(pattern, error), error
    assert "previous site is unchanged" in error
    assert tree_hashes(out / "hoa") == before
    assert left_in(out) == ["hoa"]  # no half-built folder left behind
    return error


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


BILLION_LAUGHS = "".join(["laughs:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
                         + [f"  a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10)])


def test_yaml_alias_bomb_is_refused_quickly(project, built, capsys):
    before = tree_hashes(built / "hoa")
    path = project / "collections/hoa.yml"
    path.write_text(path.read_text() + BILLION_LAUGHS)
    started = time.perf_counter()
    assert_refused(capsys, project, built, before, r"collections/hoa\.yml:\d+:\d+: .*aliases add more than")
    assert time.perf_counter() - started < 30


def test_invalid_utf8_in_yaml_names_line_and_column(project, built, capsys):
    before = tree_hashes(built / "hoa")
    path = project / "site_config/hoa.yml"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2][:4] + b"\xff" + lines[2][4:]
    path.write_bytes(b"\n".join(lines))
    assert_refused(capsys, project, built, before, r"site_config/hoa\.yml:3:5: not UTF-8 text: byte 0xff")


SNAPSHOT_DAMAGE = {  # name -> (the bytes replaced at the end or in the middle, by what)
    "last '>' missing": (b"</icatdata>\n", b"</icatdata\n"),
    "last tag cut": (b"</icatdata>\n", b"</icatd"),
    "text after the root": (b"</icatdata>\n", b"</icatdata>\ntrailing\n"),
    "a '>' of <data> missing": (b"\n  <data>\n", b"\n  <data\n"),
    "an entity's end tag misspelt": (b"\n    </dataset>\n", b"\n    </datasett>\n"),
}


@pytest.mark.parametrize("damage", SNAPSHOT_DAMAGE)
def test_cached_and_uncached_builds_agree_on_a_damaged_snapshot(project, built, capsys, tmp_path, damage):
    before = tree_hashes(built / "hoa")
    old, new = SNAPSHOT_DAMAGE[damage]
    data = SNAPSHOT.read_bytes()
    at = data.rfind(old) if old.startswith(b"</icatdata") else data.find(old)
    damaged = tmp_path / "damaged.xml"
    damaged.write_bytes(data[:at] + new + data[at + len(old):])
    cached, uncached = (assert_refused(capsys, project, built, before, r"damaged\.xml:\d+:\d+: ", "--snapshot",
                                       str(damaged), *extra) for extra in ((), ("--no-cache",)))
    assert cached == uncached


def test_a_missing_theme_points_at_theme(project, built, capsys):
    before = tree_hashes(built / "hoa")
    config = project / "site_config/hoa.yml"
    break_file(config, "title: Human Organ Atlas\n", "title: Human Organ Atlas\ntheme: nope\n")
    line = config.read_text(encoding="utf-8").splitlines().index("theme: nope") + 1
    assert_refused(capsys, project, built, before, rf"site_config/hoa\.yml:{line}:8: theme: theme 'nope' not found")


@pytest.mark.parametrize("template, pattern", [
    ('{% extends "default:dataset.html" %}\n{% block main %}\n{% if %}{% endblock %}\n',
     r"themes/broken/templates/dataset\.html:3: template syntax error: Expected an expression"),
    ('{% extends "default:dataset.html" %}\n{% block main %}\n<p>{{ page.no_such_field }}</p>\n{% endblock %}\n',
     r"themes/broken/templates/dataset\.html:3: template error: UndefinedError: .*no_such_field"),
])
def test_a_template_error_names_the_template_and_line(project, built, capsys, template, pattern):
    before = tree_hashes(built / "hoa")
    templates = project / "themes/broken/templates"
    templates.mkdir(parents=True)
    (templates / "dataset.html").write_text(template)
    site = project / "site_config/hoa.yml"
    break_file(site, "title: Human Organ Atlas\n", "title: Human Organ Atlas\ntheme: broken\n")
    error = assert_refused(capsys, project, built, before, pattern)
    assert "Traceback" not in error


def test_a_failed_build_keeps_the_spare(project, built, capsys):
    assert rebuild(project, built) == 0  # the first site is swapped out: the spare the next build starts from
    spare = tree_hashes(built / ".hoa.spare")
    before = tree_hashes(built / "hoa")
    break_file(project / "collections/hoa.yml", "  - {field: sex}", "  - {field: sex, sort: asc}")
    assert_refused(capsys, project, built, before, r"unknown key")
    assert tree_hashes(built / ".hoa.spare") == spare


def test_a_dataset_name_too_long_for_a_file_name_is_refused_by_name(project, built, capsys, tmp_path):
    before = tree_hashes(built / "hoa")
    tree = etree.parse(str(SNAPSHOT))
    tree.find("data/dataset/name").text = "n" * 300
    snapshot = tmp_path / "long-name.xml"
    tree.write(str(snapshot), xml_declaration=True, encoding="utf-8")
    assert_refused(capsys, project, built, before, r"dataset '[^']*n{300}' maps to the unsafe path 'datasets/n{300}/'",
                   "--snapshot", str(snapshot))
