#!/usr/bin/env python3
"""Full-build benchmark: the HOA snapshot and a synthetic 10,000-dataset one.

    python scripts/bench/build.py [--count 10000] [--repeat 2]

Each build runs in a fresh process (peak memory is that process's VmHWM) into a fresh
output folder. "cold" parses the snapshot; "warm" reads the catalogue cache
that the cold build left, as a rebuild after a template or config change
does. The baseline, measured in the same run: plain Jinja2 rendering and
writing the same number of small pages, the floor of any Python generator.
Output goes to the project's disk and, where there is one, to a RAM disk
(/dev/shm), because this machine's disk dominates the time of writing
thousands of files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


BUILD = """
import json, sys
from pathlib import Path
from builder.commands.build import BuildOptions, build
options = BuildOptions(project=Path(sys.argv[1]), sites=("hoa",), snapshot=Path(sys.argv[2]), out=Path(sys.argv[3]),
                       quiet=True)
report = build(options)
# VmHWM: this process's own peak (ru_maxrss would include the parent's size before exec).
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
site = report.sites[0]
print(json.dumps({"seconds": report.seconds, "pages": site.pages, "files": site.files, "peak_mb": peak,
                  "timings": report.timings, "catalogue": report.catalogue_source.value}))
"""

BASELINE = """
import sys, time, os
from jinja2 import Environment
out = sys.argv[1]
count = int(sys.argv[2])
template = Environment(autoescape=True).from_string(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>"
    "<dl>{% for k, v in rows %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl></body></html>")
rows = [(f"field {i}", f"value {i}") for i in range(20)]
started = time.perf_counter()
for n in range(count):
    folder = os.path.join(out, "p", str(n))
    os.makedirs(folder)
    with open(os.path.join(folder, "index.html"), "w") as stream:
        stream.write(template.render(title=f"Page {n}", rows=rows))
print(time.perf_counter() - started)
"""


def run_build(project: Path, snapshot: Path, out_root: Path) -> dict:
    out = Path(tempfile.mkdtemp(prefix="bench-out-", dir=out_root))
    try:
        result = subprocess.run([sys.executable, "-c", BUILD, str(project), str(snapshot), str(out)],
                                capture_output=True, text=True, check=True, cwd=ROOT)
        return json.loads(result.stdout)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_baseline(count: int, out_root: Path) -> float:
    out = Path(tempfile.mkdtemp(prefix="bench-base-", dir=out_root))
    try:
        result = subprocess.run([sys.executable, "-c", BASELINE, str(out), str(count)], capture_output=True,
                                text=True, check=True)
        return float(result.stdout)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def project_copy(folder: Path) -> Path:
    """The repository's configs with a private catalogue cache, so cold builds are really cold."""
    for name in ("collections", "site_config", "themes"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


def measure(label: str, snapshot: Path, out_root: Path, repeat: int, work: Path) -> None:
    project = project_copy(Path(tempfile.mkdtemp(prefix="bench-project-", dir=work)))
    cold = run_build(project, snapshot, out_root)
    warm = [run_build(project, snapshot, out_root) for _ in range(repeat)]
    best = min(warm, key=lambda r: r["seconds"])
    pages = cold["pages"]
    print(f"  {label:<26} cold {cold['seconds']:6.2f} s ({pages / cold['seconds']:6.0f} pages/s, "
          f"peak {cold['peak_mb']:5.0f} MB)   warm {best['seconds']:6.2f} s ({pages / best['seconds']:6.0f} pages/s, "
          f"median of {repeat}: {statistics.median(r['seconds'] for r in warm):.2f} s)")
    phases = ", ".join(f"{name} {seconds:.2f}" for name, seconds in best["timings"].items())
    print(f"  {'':<26} warm phases: {phases}")
    shutil.rmtree(project, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="datasets in the synthetic snapshot")
    parser.add_argument("--repeat", type=int, default=2, help="warm builds per case (the best is shown)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="atlasgen-bench-"))
    synthetic = work / f"synthetic-{args.count}.xml"
    started = time.perf_counter()
    # In a child process: this one stays small, so the builds it starts are measured alone.
    subprocess.run([sys.executable, str(ROOT / "scripts/bench/synthetic.py"), str(args.count), "-o", str(synthetic)],
                   check=True, capture_output=True)
    print(f"synthetic snapshot: {args.count} HOA-shaped datasets, {synthetic.stat().st_size / 1e6:.0f} MB "
          f"(made in {time.perf_counter() - started:.1f} s); machine: {os.cpu_count()} cores")
    targets = [("project disk", work)]
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        targets.append(("RAM disk", Path(tempfile.mkdtemp(prefix="atlasgen-bench-", dir="/dev/shm"))))
    try:
        for where, out_root in targets:
            print(f"\noutput on the {where} ({out_root}):")
            measure("HOA (378 datasets)", ROOT / "catalogue" / "esrf-public.xml", out_root, args.repeat, work)
            measure(f"synthetic ({args.count} datasets)", synthetic, out_root, args.repeat, work)
            pages = 2 * args.count
            baseline = run_baseline(pages, out_root)
            print(f"  baseline: plain Jinja2 renders and writes {pages} small pages in {baseline:.2f} s "
                  f"({pages / baseline:.0f} pages/s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for _, out_root in targets[1:]:
            shutil.rmtree(out_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
