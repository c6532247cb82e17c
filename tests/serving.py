"""`atlasgen serve` run as a curator runs it: a real process on a copy of the project, its terminal kept."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import REPO, SNAPSHOT


def project_copy(root: Path) -> Path:
    """A writable copy of everything a build reads: configs, help pages, themes; the snapshot linked."""
    for name in ("collections", "site_config", "themes"):
        shutil.copytree(REPO / name, root / name)
    (root / "catalogue").mkdir()
    (root / "catalogue" / "esrf-public.xml").symlink_to(SNAPSHOT)
    return root


class LivePreview:
    """`python -m builder serve SITE --port 0` on a project; `terminal` is what it has printed so far."""

    def __init__(self, project: Path, site: str, startup_seconds: float = 120):
        self.project = project
        environment = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "builder", "serve", site, "--port", "0"],
                                        cwd=project, env=environment, text=True, start_new_session=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: list[str] = []
        self.url = ""
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(startup_seconds):
            self.close()
            raise AssertionError("atlasgen serve did not start:\n" + self.terminal)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            if found:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()

    @property
    def terminal(self) -> str:
        return "".join(self.lines)

    def wait_for_terminal(self, pattern: str, seconds: float = 30, start: int = 0) -> str:
        """The first line from `start` on matching `pattern`, waiting for it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.terminal}")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def close(self) -> None:
        """Stop the server and the build workers it forked: they are its process group."""
        for stop in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, stop)
                self.process.wait(timeout=10)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        self._reader.join(timeout=10)
