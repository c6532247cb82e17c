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
