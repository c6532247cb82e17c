"""The generated reference is current and complete, the docs build strictly, and editors get a schema for every
shipped YAML file that accepts it as it is and underlines a misspelt key."""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from builder.cli import make_parser
from scripts.make_reference import reference_files
from tests.conftest import REPO

SHIPPED = sorted((REPO / "collections").glob("*.yml")) + sorted((REPO / "site_config").glob("*.yml"))


@pytest.mark.parametrize("relative", sorted(reference_files()))
def test_the_generated_reference_in_the_repository_is_current(relative):
    assert (REPO / relative).read_text(encoding="utf-8") == reference_files()[relative], \
        f"{relative} is behind the code: run python scripts/make_reference.py"


def every_option(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield from every_option(command)
        else:
            yield from (option for option in action.option_strings if option not in ("-h", "--help"))


def test_every_cli_option_appears_in_the_cli_reference():
    text = (REPO / "docs" / "cli.md").read_text()
    options = set(every_option(make_parser()))
    assert {"--no-watch", "--snapshot", "--technique", "--instrument", "--json"} <= options
    assert {option for option in options if f"`{option}" not in text} == set()


def schema_properties(schema: dict, node: dict | None = None, seen: frozenset = frozenset()) -> set[str]:
    """Every property name a JSON Schema allows anywhere, following its $refs."""
    node = schema if node is None else node
    found = set()
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else schema_properties(schema, schema["$defs"][name], seen | {name})
    for name, inner in node.get("properties", {}).items():
        found |= {name} | schema_properties(schema, inner, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            found |= schema_properties(schema, node[key], seen)
    for member in node.get("anyOf", []) + node.get("prefixItems", []):
        found |= schema_properties(schema, member, seen)
    return found


@pytest.mark.parametrize("kind", ["collection", "site"])
def test_every_config_key_appears_in_the_config_reference(kind):
    schema = json.loads((REPO / "docs" / "schema" / f"{kind}.schema.json").read_text())
    text = (REPO / "docs" / "config-reference.md").read_text()
    keys = schema_properties(schema)
    assert len(keys) > 20
    assert {key for key in keys if f".{key}`" not in text and f"`{key}`" not in text} == set()


def as_json_data(path):
    """The YAML as an editor's schema checker sees it: dates are the text they are written as."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=datetime.date.isoformat))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_shipped_yaml_names_its_schema_and_is_valid_against_it(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    schema_file = (path.parent / first.split("=", 1)[1]).resolve()
    assert schema_file.is_file()
    jsonschema.validate(as_json_data(path), json.loads(schema_file.read_text()))


def test_the_schema_underlines_a_misspelt_key_and_a_wrong_type():
    schema = json.loads((REPO / "docs" / "schema" / "collection.schema.json").read_text())
    data = as_json_data(REPO / "collections" / "hoa.yml")
    data["facets"][0]["lable"] = "Sex"
    data["facets"][1]["bins"] = "many"
    problems = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert [list(problem.path) for problem in problems] == [["facets", 0], ["facets", 1, "bins"]]
    assert "'lable' was unexpected" in problems[0].message


def test_the_docs_build_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cli" / "index.html").is_file() and (tmp_path / "config-reference" / "index.html").is_file()
