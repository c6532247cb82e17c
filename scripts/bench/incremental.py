#!/usr/bin/env python3
"""Incremental-build benchmark: one new DOI at a time in a synthetic 10,000-dataset snapshot.

    python scripts/bench/incremental.py [--count 10000] [--repeat 3]

In one run, each build in a fresh process (`atlasgen build hoa --json`), the
disk's pending writes flushed before each:

1. a full build of the synthetic snapshot, with empty caches, as a first build is;
2. the same snapshot with one more dataset and its DOI, written out whole as a
   harvest writes it, built incrementally over the site of 1: the first
   incremental build, whose folder starts as hard links to the published site;
3. one more dataset and DOI again, built incrementally over the site of 2: as
   every later build in CI, it starts from the site 2 swapped out (the spare);
4. a full build (`--full`) of the snapshot of 3 into an empty folder, its
   catalogue and images found in the caches the others left.

Builds 2 and 3 run `--repeat` times each, every time from the same state (the
sites and the cache as the build before left them, restored from a copy):
this machine is shared, and a build of a few seconds can take a third longer
for no cause of its own. Their median is compared with the time of 1, and
the sites of 3 and 4 must be identical byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.bench.build import project_copy  # noqa: E402

SNAPSHOTS = """
import sys
from pathlib import Path
from scripts.bench.synthetic import write_synthetic_snapshot
count, paths = int(sys.argv[1]), sys.argv[2:]
for added, path in enumerate(paths):  # seeded and made in turn: the first `count` are those of `count`
    write_synthetic_snapshot(count + added, Path(path))
"""


def make_snapshots(count: int, folder: Path) -> list[Path]:
    """The synthetic snapshot of `count` datasets, then with one more, then with two more."""
    paths = [folder / f"synthetic-{count}-plus-{added}.xml" for added in range(3)]
    subprocess.run([sys.executable, "-c", SNAPSHOTS, str(count), *map(str, paths)], cwd=ROOT, check=True)
    return paths


def run_build(project: Path, snapshot: Path, out: Path, *extra: str) -> tuple[float, dict]:
    """Build in a fresh process, the disk's pending writes flushed first; (wall-clock seconds, the site's report).

    Without the flush, a build that follows a large one on this machine's disk spends seconds on what the kernel
    still has to write of the other: CI rebuilds long after the previous build."""
    command = [sys.executable, "-m", "builder", "build", "hoa", "--project", str(project), "--snapshot", str(snapshot),
               "--out", str(out), "--json", *extra]
    os.sync()
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"build failed:\n{completed.stderr}")
    report = json.loads(completed.stdout)
    return seconds, {**report["sites"][0], "timings": report["timings"], "catalogue": report["catalogue"]}


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def show(label: str, seconds: float, site: dict) -> None:
    phases = ", ".join(f"{name} {value:.2f}" for name, value in site["timings"].items())
    print(f"  {label:<44} {seconds:6.2f} s   files made {site['rendered']:6d} of {site['files']:6d}, "
          f"kept {site['carried']:6d}, removed {site['removed']}   ({phases}; catalogue {site['catalogue']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="datasets in the first synthetic snapshot")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each incremental build")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="atlasgen-bench-incremental-"))
    try:
        started = time.perf_counter()
        first, second, third = make_snapshots(args.count, work)
        print(f"synthetic snapshots: {args.count}, {args.count + 1} and {args.count + 2} HOA-shaped datasets, "
              f"{first.stat().st_size / 1e6:.0f} MB (made in {time.perf_counter() - started:.1f} s); "
              f"machine: {os.cpu_count()} cores")
        project = project_copy(work / "project")
        out, fresh = work / "site", work / "full"
        full_seconds, full = run_build(project, first, out)
        show("1. full build, empty caches", full_seconds, full)
        first_runs = repeated(args.repeat, project, second, out, work / "state-1")
        show("2. one new DOI, first incremental build", *median(first_runs))
        later_runs = repeated(args.repeat, project, third, out, work / "state-2")
        show("3. one more new DOI, incremental build", *median(later_runs))
        rebuild_seconds, rebuild = run_build(project, third, fresh, "--full")
        show("4. full build of 3, warm caches", rebuild_seconds, rebuild)
        identical = tree_digest(out / "hoa") == tree_digest(fresh / "hoa")
        print()
        for label, runs in (("first incremental build (2)", first_runs), ("later incremental build (3)", later_runs)):
            seconds, site = median(runs)
            print(f"{label}: median {seconds:.2f} s of {', '.join(f'{s:.2f}' for s, _ in runs)}: "
                  f"{seconds / full_seconds:6.1%} of the full build's time (1), "
                  f"{seconds / rebuild_seconds:6.1%} of a full build with warm caches (4); "
                  f"files written: {site['rendered']} of {site['files']} ({site['rendered'] / site['files']:.2%})")
        print(f"incremental and full sites byte-identical: {'yes' if identical else 'NO'}")
        return 0 if identical else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def repeated(times: int, project: Path, snapshot: Path, out: Path, state: Path) -> list[tuple[float, dict]]:
    """Build `times` times, each from the state the build before left (sites and cache), restored from a copy."""
    cache = project / ".cache"
    _copy(out, state / "site")
    _copy(cache, state / "cache")
    runs = []
    for run in range(times):
        if run:
            for folder, saved in ((out, state / "site"), (cache, state / "cache")):
                shutil.rmtree(folder)
                _copy(saved, folder)
        runs.append(run_build(project, snapshot, out))
    return runs


def _copy(source: Path, target: Path) -> None:
    """A copy made of hard links: no build writes through a link, so the copy stays as it is."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(source), str(target)], check=True)


def median(runs: list[tuple[float, dict]]) -> tuple[float, dict]:
    return sorted(runs, key=lambda run: run[0])[len(runs) // 2]


if __name__ == "__main__":
    sys.exit(main())
