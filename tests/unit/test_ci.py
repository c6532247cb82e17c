"""The CI recipes in scripts/ci/: valid YAML, atlasgen called with options it has, every trigger the operators
need, pinned dependencies, and a deploy script that sends each site to its own target."""

import os
import re
import shlex
import subprocess
import tomllib

import pytest
import yaml

from builder.cli import make_parser
from tests.conftest import REPO

CI = REPO / "scripts" / "ci"
RECIPES = ["github-actions.yml", "gitlab-ci.yml"]


def _commands(node, start="atlasgen "):
    if isinstance(node, dict):
        for value in node.values():
            yield from _commands(value, start)
    elif isinstance(node, list):
        for value in node:
            yield from _commands(value, start)
    elif isinstance(node, str):
        for line in node.splitlines():  # a command starts a line, or follows 'if !', 'then' or ';'
            found = re.search(rf"(?:^\s*|if !\s+|then\s+|;\s*)({re.escape(start)}[^;>]*)", line)
            if found:
                yield found.group(1).strip()


def recipe(name):
    return yaml.load((CI / name).read_text(), Loader=yaml.BaseLoader)  # 'on' stays a key, not True


@pytest.mark.parametrize("name", RECIPES)
def test_ci_harvests_with_a_report_then_validates_and_builds_the_production_snapshot(name):
    commands = list(_commands(recipe(name)))
    assert [c.split()[1] for c in commands] == ["harvest", "validate", "build"]
    for command in commands:
        words = shlex.split(re.sub(r"\$\{\{.*?\}\}|\$\{[^}]*\}", "", command))  # CI expressions: set at run time
        arguments = make_parser().parse_args(words[1:])  # exits on an option atlasgen does not have
        assert "--snapshot" in command and "${SNAPSHOT}" in command
        if arguments.command == "harvest":
            assert arguments.report is not None and arguments.source == "icatplus" and "${NEW_SNAPSHOT}" in command
    assert "--new" in (CI / name).read_text() and "catalogue/production.xml" in (CI / name).read_text()


def test_github_runs_nightly_on_a_config_change_and_on_demand():
    triggers = recipe("github-actions.yml")["on"]
    assert set(triggers) == {"schedule", "push", "workflow_dispatch"}
    assert {"collections/**", "site_config/**", "themes/**"} <= set(triggers["push"]["paths"])
    steps = {step.get("name"): step for step in recipe("github-actions.yml")["jobs"]["publish"]["steps"]}
    assert steps["Harvest ICAT+ (nightly and on demand)"]["if"] == "github.event_name != 'push'"
    assert "github.event_name != 'schedule'" in steps["Decide"]["run"]  # a push or a manual run always builds
    assert "exit 1" in steps["Build"]["run"] and "build.log" in steps["Build"]["run"]
    assert steps["Keep the reports"]["if"] == "always()"


def test_gitlab_runs_on_a_schedule_on_a_config_change_and_on_demand():
    rules = recipe("gitlab-ci.yml")["workflow"]["rules"]
    assert [rule["if"] for rule in rules][:2] == ['$CI_PIPELINE_SOURCE == "schedule"', '$CI_PIPELINE_SOURCE == "web"']
    assert {"collections/**/*", "site_config/**/*", "themes/**/*"} <= set(rules[2]["changes"])


@pytest.mark.parametrize("name", RECIPES)
def test_ci_installs_the_pinned_versions(name):
    installs = list(_commands(recipe(name), "pip install"))
    assert installs and all("--constraint scripts/ci/constraints.txt" in line for line in installs)


def test_the_constraints_pin_every_runtime_dependency():
    pins = dict(line.split("==") for line in (CI / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    pinned = {name.lower().replace("_", "-") for name in pins}
    needed = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0].lower() for requirement in needed}
    assert names - pinned == set()
    assert all(re.fullmatch(r"\d+(\.\d+)*(\.post\d+)?", version) for version in pins.values())


@pytest.fixture
def deploy(tmp_path):
    """deploy.sh with rsync, aws and ssh replaced by programs that note their arguments."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for tool in ("rsync", "aws"):
        (bin_folder / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/calls"\n')
        (bin_folder / tool).chmod(0o755)
    sites = tmp_path / "site"
    for name in ("hoa", "doi", "paleo"):
        (sites / name).mkdir(parents=True)
        (sites / name / "index.html").write_text("<!doctype html>")
    (sites / ".hoa.spare").mkdir()

    def run(targets: str):
        environment = {**os.environ, "PATH": f"{bin_folder}:{os.environ['PATH']}", "HOME": str(tmp_path),
                       "DEPLOY_TARGETS": targets, "DEPLOY_SSH_KEY": "key", "DEPLOY_KNOWN_HOSTS": "host key"}
        done = subprocess.run([str(CI / "deploy.sh"), str(sites)], env=environment, capture_output=True, text=True)
        calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
        return done, calls

    return run, sites


def test_deploy_sends_each_site_to_its_own_target(deploy):
    run, sites = deploy
    done, calls = run("hoa atlas@hoa.example.org:/srv/hoa/\ndoi s3://dois-bucket/landing/\n")
    assert done.returncode == 0, done.stderr
    assert calls == [
        f"rsync -a --delete --checksum --exclude=/.* -e ssh -i {sites.parent}/.ssh/atlasgen_deploy {sites}/hoa/ "
        "atlas@hoa.example.org:/srv/hoa/",
        f"aws s3 sync {sites}/doi/ s3://dois-bucket/landing/ --delete --exclude .*"]
    assert "note: no target for the site 'paleo' in DEPLOY_TARGETS: not deployed" in done.stdout


def test_deploy_fails_on_a_target_whose_site_was_not_built(deploy):
    run, _ = deploy
    done, calls = run("hoa s3://bucket/hoa/\norgans s3://bucket/organs/\nbroken\n")
    assert done.returncode == 1
    assert "DEPLOY_TARGETS names the site 'organs', but" in done.stderr
    assert "'broken  ': expected 'SITE TARGET'" in done.stderr
    assert calls == [f"aws s3 sync {deploy[1]}/hoa/ s3://bucket/hoa/ --delete --exclude .*"]
