import pytest

from builder.config.yamlfile import format_key, parse_yaml
from builder.errors import ConfigError


def test_positions_of_values_and_keys():
    document = parse_yaml("title: Atlas\nfacets:\n  - field: sex\n  - field: organ\n", "c.yml")
    assert document.data == {"title": "Atlas", "facets": [{"field": "sex"}, {"field": "organ"}]}
    location = document.locate(("facets", 1, "field"))
    assert (location.line, location.column) == (4, 12)
    assert str(location) == "c.yml:4:12: facets[1].field"
    assert document.locate(("facets", 1, "field"), at_key=True).column == 5


def test_missing_key_points_at_its_nearest_parent():
    document = parse_yaml("groups:\n  - label: Donor\n", "c.yml")
    assert document.locate(("groups", 0, "fields")).line == 2


def test_syntax_error_names_file_and_line():
    with pytest.raises(ConfigError) as caught:
        parse_yaml("title: Atlas\nfields: [a, b\nother: 1\n", "c.yml")
    message = str(caught.value)
    assert message.startswith("c.yml:3:")
    assert "YAML syntax error" in message


def test_duplicate_keys_are_errors_not_silently_overwritten():
    with pytest.raises(ConfigError) as caught:
        parse_yaml("title: A\ntitle: B\n", "c.yml")
    assert "c.yml:2:1: title: duplicate key" in str(caught.value)


def test_format_key():
    assert format_key(("facets", 2, "field")) == "facets[2].field"
    assert format_key(()) == ""


@pytest.mark.parametrize("text, where, words", [
    ("title: Atlas\nfields\ngroups: []\n", "c.yml:3:1", "a line above has no ':' after its key"),
    ("card:\n  title: [name]\n fields: [organ]\n", "c.yml:3:2", "indented differently from the keys above it"),
    ("title: Atlas\n  description: x\n", "c.yml:2:14", "indent this line like the keys above it"),
    ("title: Atlas: the organs\n", "c.yml:1:13", "put the value in quotes if it contains ': '"),
    ("card:\n\ttitle: [name]\n", "c.yml:2:1", "a tab character: YAML indents with spaces only"),
    ("groups:\n  - label: Donor\n - label: Scan\n", "c.yml:3:2", "this list item is indented differently"),
    ("title: @atlas\n", "c.yml:1:8", "a value cannot start with '@': put it in quotes"),
    ("fields: {a: 1\ntitle: x\n", "c.yml:2:6", "the mapping in { } opened at line 1, column 9 is not closed"),
    ("title: 'Atlas\nfields: {}\n", "c.yml:3:1", "the quoted text opened at line 1, column 8 is not closed"),
    ("title: *name\n", "c.yml:1:8", "'*name' names no '&name' written before it"),
])
def test_syntax_errors_in_plain_words_keep_line_and_column(text, where, words):
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "c.yml")
    message = str(caught.value)
    assert message.startswith(f"{where}: YAML syntax error: ")
    assert words in message
    assert "while scanning" not in message and "while parsing" not in message
