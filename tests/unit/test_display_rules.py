"""Display rules on records made here: technique, instrument, dates (inclusive), first match, default, bad rules."""

import textwrap

import pytest

from builder.errors import ConfigError
from builder.views.collections import load_collection
from builder.views.shaping import Shaper
from tests.curated_records import catalogue_of

RECORDS = """
investigations:
  - {name: RULES, visit: v1, title: Records for display rules}
datasets:
  - {name: mx-id30, investigation: RULES, techniques: [MX], instruments: [ID30A-1], start: 2020-06-01T12:00:00,
     sample: s1, parameters: {Process_program: autoPROC}}
  - {name: mx-id23, investigation: RULES, techniques: [MX], instruments: [ID23-1], start: 2020-06-01T12:00:00,
     sample: s1, parameters: {Process_program: XIA2_DIALS}}
  - {name: em-cm01, investigation: RULES, techniques: [EM], instruments: [CM01], start: 2020-06-01T12:00:00,
     sample: s1, parameters: {InstrumentMonochromator_energy: 12}}
  - {name: tomo-before, investigation: RULES, techniques: [TOMO], instruments: [BM05], start: 2019-12-31T23:59:59,
     sample: s1}
  - {name: tomo-first-day, investigation: RULES, techniques: [TOMO], instruments: [BM05], start: 2020-01-01T00:00:00,
     sample: s1}
  - {name: tomo-last-day, investigation: RULES, techniques: [TOMO], instruments: [BM05], start: 2020-12-31T23:59:59,
     sample: s1}
  - {name: tomo-after, investigation: RULES, techniques: [TOMO], instruments: [BM05], start: 2021-01-01T00:00:00,
     sample: s1}
  - {name: other, investigation: RULES, techniques: [XRF], instruments: [ID21], start: 2020-06-01, sample: s1}
samples:
  - {name: s1}
"""

COLLECTION = """\
title: Rules
fields:
  program: {parameter: Process_program}
  energy: {parameter: InstrumentMonochromator_energy}
groups:
  - {label: Sample, fields: [sample]}
  - {label: Processing, fields: [program, name]}
  - {label: Beam, name: beam, fields: [energy, instrument]}
  - {label: When, name: when, fields: [start_date]}
card: {fields: [name]}
sort: {default: name, options: {name: {field: name}}}
search: {fields: {name: 1}}
display:
"""


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return catalogue_of(tmp_path_factory.mktemp("rules"), RECORDS)


def load(tmp_path, catalogue, rules: str):
    path = tmp_path / "rules.yml"
    path.write_text(COLLECTION + textwrap.indent(textwrap.dedent(rules).strip("\n"), "  ") + "\n")
    return load_collection(path, catalogue, "collections/rules.yml"), path.read_text()


def groups_of(collection, catalogue) -> dict[str, list[str]]:
    shaper = Shaper(collection, catalogue)
    return {d.name: [g.label for g in shaper.view(d).groups] for d in catalogue.datasets.values()}


def rows_of(collection, catalogue, name) -> list[tuple[str, list[str]]]:
    dataset = next(d for d in catalogue.datasets.values() if d.name == name)
    return [(g.label, [row.field for row in g.rows]) for g in Shaper(collection, catalogue).view(dataset).groups]


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_technique_rule_chooses_the_groups_of_its_datasets(tmp_path, catalogue):
    collection, _ = load(tmp_path, catalogue, """
        - {name: mx, when: {techniques: [MX]}, groups: [Processing, Sample]}
        - {name: default, groups: [Sample]}
    """)
    shown = groups_of(collection, catalogue)
    assert shown["mx-id30"] == shown["mx-id23"] == ["Processing", "Sample"]
    assert shown["em-cm01"] == ["Sample"]
    assert collection.warnings == ()


def test_an_instrument_rule_tells_beamlines_apart(tmp_path, catalogue):
    collection, _ = load(tmp_path, catalogue, """
        - {when: {instruments: [ID23-1]}, groups: [beam, Processing]}
        - {when: {instruments: [ID30A-1, CM01]}, groups: [Sample, beam]}
    """)
    shown = groups_of(collection, catalogue)
    assert shown["mx-id23"] == ["Beam", "Processing"]
    assert shown["mx-id30"] == ["Sample", "Beam"]
    assert shown["em-cm01"] == ["Sample", "Beam"]
    assert shown["other"] == ["Sample", "Processing", "Beam", "When"]  # no rule, no default: every group


def test_date_bounds_include_their_first_and_last_day(tmp_path, catalogue):
    collection, _ = load(tmp_path, catalogue, """
        - {name: year 2020, when: {techniques: [TOMO], start: 2020-01-01, end: 2020-12-31}, groups: [when]}
        - {name: default, groups: [Sample]}
    """)
    shown = groups_of(collection, catalogue)
    assert shown["tomo-first-day"] == shown["tomo-last-day"] == ["When"]
    assert shown["tomo-before"] == shown["tomo-after"] == ["Sample"]


def test_open_date_bounds(tmp_path, catalogue):
    collection, _ = load(tmp_path, catalogue, """
        - {when: {techniques: [TOMO], end: 2019-12-31}, groups: [Sample]}
        - {when: {techniques: [TOMO], start: 2021-01-01}, groups: [beam]}
        - {groups: [when]}
    """)
    shown = groups_of(collection, catalogue)
    assert (shown["tomo-before"], shown["tomo-first-day"], shown["tomo-after"]) == (["Sample"], ["When"], ["Beam"])


def test_the_first_matching_rule_wins_and_the_overlap_is_reported(tmp_path, catalogue):
    collection, text = load(tmp_path, catalogue, """
        - {name: all MX, when: {techniques: [MX]}, groups: [Processing]}
        - {name: MX on ID23-1, when: {techniques: [MX], instruments: [ID23-1]}, groups: [beam]}
    """)
    assert groups_of(collection, catalogue)["mx-id23"] == ["Processing"]
    [warning] = collection.warnings
    assert str(warning).startswith(f"collections/rules.yml:{line_of(text, 'MX on ID23-1')}:")
    assert "display[1]: overlaps display[0] ('all MX', line" in str(warning)
    assert f"line {line_of(text, 'name: all MX')})" in str(warning)


def test_rules_on_different_techniques_or_dates_do_not_overlap(tmp_path, catalogue):
    collection, _ = load(tmp_path, catalogue, """
        - {when: {techniques: [MX]}, groups: [Processing]}
        - {when: {techniques: [TOMO], end: 2019-12-31}, groups: [Sample]}
        - {when: {techniques: [TOMO], start: 2020-01-01}, groups: [when]}
        - {groups: [Sample]}
    """)
    assert collection.warnings == ()


def test_a_rule_chooses_fields_and_their_order_within_a_group(tmp_path, catalogue):
    collection, _ = load(tmp_path, catalogue, """
        - when: {techniques: [MX]}
          groups: [{group: Processing, fields: [name, program]}, {group: beam, fields: [instrument]}]
    """)
    assert rows_of(collection, catalogue, "mx-id30") == [("Processing", ["name", "program"]),
                                                         ("Beam", ["instrument"])]


def test_a_rule_matching_no_dataset_is_reported(tmp_path, catalogue):
    collection, text = load(tmp_path, catalogue, """
        - {when: {techniques: [SAXS]}, groups: [Sample]}
    """)
    [warning] = collection.warnings
    assert str(warning).startswith(f"collections/rules.yml:{line_of(text, 'SAXS')}:")
    assert str(warning).endswith(": display[0].when: matches no dataset of the collection")


def error_of(tmp_path, catalogue, rules: str) -> tuple[str, str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, catalogue, rules)
    return str(caught.value), (tmp_path / "rules.yml").read_text()


def test_a_rule_naming_an_unknown_group_is_an_error_with_file_line_and_key(tmp_path, catalogue):
    message, text = error_of(tmp_path, catalogue, """
        - {when: {techniques: [MX]}, groups: [Sample, Procesing]}
    """)
    assert message.startswith(f"collections/rules.yml:{line_of(text, 'Procesing')}:")
    assert "display[0].groups[1]: names no group 'Procesing' (did you mean 'Processing'?)" in message


def test_a_rule_naming_an_unknown_field_is_an_error(tmp_path, catalogue):
    message, text = error_of(tmp_path, catalogue, """
        - when: {techniques: [MX]}
          groups: [{group: Processing, fields: [program, progam]}]
          results: {fields: [energi], best: {field: energy}}
    """)
    assert message.startswith("2 config errors:")
    assert f"rules.yml:{line_of(text, 'progam')}:" in message
    assert "display[0].groups[0].fields[1]: names no field of 'fields' (did you mean 'program'?)" in message
    assert f"rules.yml:{line_of(text, 'energi')}:" in message
    assert "display[0].results.fields[0]: names no field of 'fields' (did you mean 'energy'?)" in message


def test_the_default_comes_last(tmp_path, catalogue):
    message, text = error_of(tmp_path, catalogue, """
        - {groups: [Sample]}
        - {when: {techniques: [MX]}, groups: [Processing]}
    """)
    assert f"rules.yml:{line_of(text, '{groups: [Sample]}')}:" in message
    assert "display[0]: a rule without 'when' is the default and must come last" in message


def test_unknown_condition_and_reversed_dates_are_errors(tmp_path, catalogue):
    message, _ = error_of(tmp_path, catalogue, """
        - {when: {technique: [MX]}, groups: [Sample]}
        - {when: {start: 2021-01-01, end: 2020-01-01}, groups: [Sample]}
    """)
    assert "display[0].when.technique: unknown key (did you mean 'techniques'?)" in message
    assert "display[1].when: 'start' (2021-01-01) is after 'end' (2020-01-01)" in message
