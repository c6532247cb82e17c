"""A build killed at any point leaves the published site whole, no process behind, and no debris after the next.

Each build runs as `python -m builder build` in a session of its own; the
test SIGKILLs its main process alone (as an out-of-memory killer or a CI
timeout would), then looks for any process left in that session.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.test_build_hoa import tree_hashes

KILL_AFTER = (0.5, 2.0, 4.0, 7.0, 11.0)  # seconds into a build: loading, planning, images, pages, swapping in


def build_command(out: Path) -> list[str]:
    return [sys.executable, "-m", "builder", "build", "hoa", "--project", str(REPO), "--out", str(out), "--quiet"]


def run_build(out: Path) -> None:
    subprocess.run(build_command(out), check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600,
                   stdout=subprocess.DEVNULL)


def session_processes(session: int) -> list[int]:
    """Processes (but zombies) whose session is `session`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == session:
            found.append(int(entry.name))
    return found


def debris(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name not in ("hoa", ".hoa.spare"))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("killed")
    run_build(out)
    return out, tree_hashes(out / "hoa")


@pytest.mark.parametrize("seconds", KILL_AFTER)
def test_a_killed_build_leaves_no_process_and_the_next_build_no_debris(published, seconds):
    out, site = published
    build = subprocess.Popen(build_command(out) + ["--full"], env={**os.environ, "PYTHONPATH": str(REPO)},
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while session_processes(build.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_processes(build.pid) == [], "processes of the killed build outlive it"
    assert tree_hashes(out / "hoa") == site  # the published site is the old or the new one, whole: both the same
    run_build(out)
    assert debris(out) == []
    assert tree_hashes(out / "hoa") == site
