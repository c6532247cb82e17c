"""The CI definitions in scripts/ci/ are valid YAML and call atlasgen with options it has."""

import re
import shlex

import pytest
import yaml

from builder.cli import _parser
from tests.conftest import REPO

CI = REPO / "scripts" / "ci"


def _commands(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _commands(value)
    elif isinstance(node, list):
        for value in node:
            yield from _commands(value)
    elif isinstance(node, str):
        for line in node.splitlines():
            if line.strip().startswith("atlasgen "):
                yield line.strip()


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_runs_harvest_with_a_report_then_build(name):
    commands = list(_commands(yaml.safe_load((CI / name).read_text())))
    assert [c.split()[1] for c in commands] == ["harvest", "build"]
    for command in commands:
        words = shlex.split(re.sub(r"\$\{\{.*?\}\}|\$\{[^}]*\}", "", command))  # CI expressions: set at run time
        arguments = _parser().parse_args(words[1:])  # exits on an option atlasgen does not have
        if arguments.command == "harvest":
            assert arguments.report is not None and arguments.source == "icatplus"
