#!/usr/bin/env python3
"""Full-build benchmark: atlasgen cold and warm, Hugo and plain Jinja2, on the same synthetic records.

    python scripts/bench/build.py [--count 10000] [--out-root /dev/shm]

In one run, on one synthetic snapshot of `--count` HOA-shaped datasets
(`synthetic.py`, written as a stream), each in a process of its own:

1. atlasgen cold: `atlasgen build hoa --full` in a project with empty caches;
2. atlasgen warm: the same full build again, its caches (catalogue, images,
   results) left by 1, as after a template change in CI;
3. Hugo (Debian's `hugo`, installed with apt-get when missing): one content
   file per record with every field of it as front matter, a paginated list of
   24, taxonomies for organ and beamline;
4. the floor of any Python generator: plain Jinja2 renders and writes one page
   per record with every field of it.

Each prints its seconds (wall clock of its process, start-up included), pages
per second and peak RSS (the largest process of its tree, from wait4), then
the ratios of atlasgen to Hugo. The machine may be shared and busy: compare
the ratios of one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.bench.synthetic import synthetic_record_stream  # noqa: E402

BUILD = """
import json, sys
from pathlib import Path
from builder.commands.build import BuildOptions, build
options = BuildOptions(project=Path(sys.argv[1]), sites=("hoa",), snapshot=Path(sys.argv[2]), out=Path(sys.argv[3]),
                       quiet=True, incremental=False)
report = build(options)
site = report.sites[0]
print(json.dumps({"pages": site.pages, "files": site.files, "timings": report.timings,
                  "catalogue": report.catalogue_source.value}))
"""

JINJA_FLOOR = """
import json, os, sys
from jinja2 import Environment
records, out = sys.argv[1], sys.argv[2]
template = Environment(autoescape=True).from_string(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>"
    "<dl>{% for name, value in fields %}<dt>{{ name }}</dt><dd>{{ value }}</dd>{% endfor %}</dl></body></html>")
pages = 0
with open(records, encoding="utf-8") as lines:
    for line in lines:
        page = json.loads(line)
        folder = os.path.join(out, "datasets", page["slug"])
        os.makedirs(folder)
        with open(os.path.join(folder, "index.html"), "w", encoding="utf-8") as stream:
            stream.write(template.render(title=page["title"], fields=page["fields"]))
        pages += 1
print(json.dumps({"pages": pages}))
"""

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Synthetic atlas"
disableKinds = ["RSS", "sitemap", "robotsTXT"]
paginate = 24
[taxonomies]
organ = "organs"
beamline = "beamlines"
"""
HUGO_SINGLE = """<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>
<dl>{{ range .Params.fields }}<dt>{{ index . 0 }}</dt><dd>{{ index . 1 }}</dd>{{ end }}</dl>
<p>{{ range .GetTerms "organs" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}
{{ range .GetTerms "beamlines" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p></body></html>
"""
HUGO_LIST = """<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>
<ul>{{ range (.Paginate .Pages).Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ with .Paginator }}{{ if .HasNext }}<a href="{{ .Next.URL }}">next</a>{{ end }}{{ end }}</body></html>
"""


@dataclass
class Run:
    """One generator's run: wall-clock seconds, pages written, peak RSS of its largest process."""

    name: str
    seconds: float
    pages: int
    peak_mb: float
    detail: str = ""

    def line(self) -> str:
        return (f"  {self.name:<34} {self.seconds:8.2f} s  {self.pages / self.seconds:8.0f} pages/s  "
                f"{self.pages:8d} pages  peak {self.peak_mb:6.0f} MB  {self.detail}")


def timed(name: str, command: list[str], cwd: Path = ROOT) -> tuple[float, float, str]:
    """Run a command; its wall seconds, the peak RSS (MB) of its largest process, and its standard output."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        errors = process.stderr.read().decode(errors="replace")
        process.stderr.close()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise SystemExit(f"{name} failed (exit {process.returncode}):\n{errors[-3000:]}")
        output.seek(0)
        return seconds, usage.ru_maxrss / 1024, output.read().decode()


def project_copy(folder: Path) -> Path:
    """The repository's configs with a private catalogue cache, so cold builds are really cold."""
    for name in ("collections", "site_config", "themes"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


def atlasgen(name: str, project: Path, snapshot: Path, out: Path) -> Run:
    seconds, peak, output = timed(name, [sys.executable, "-c", BUILD, str(project), str(snapshot), str(out)])
    report = json.loads(output)
    phases = ", ".join(f"{phase} {spent:.1f}" for phase, spent in report["timings"].items())
    return Run(name, seconds, report["pages"], peak, f"({report['files']} files; {phases}; "
                                                     f"catalogue {report['catalogue']})")


def page_inputs(count: int, folder: Path) -> Path:
    """Hugo's content files and the floor's records: every field of each synthetic record, flattened."""
    content = folder / "hugo" / "content" / "datasets"
    content.mkdir(parents=True)
    records = folder / "records.jsonl"
    with open(records, "w", encoding="utf-8") as lines:
        for number, record in enumerate(synthetic_record_stream(count)):
            page = {"title": record["citation"]["title"], "slug": f"{number:07d}-{record['name']}",
                    "organs": [record["sample"]["organ"]], "beamlines": [record["scan"]["beamline"]],
                    "fields": [[name, value] for name, value in flattened(record)]}
            (content / f"{page['slug']}.md").write_text(json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8")
            lines.write(json.dumps(page, ensure_ascii=False) + "\n")
    site = folder / "hugo"
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    for relative, text in (("_default/single.html", HUGO_SINGLE), ("_default/list.html", HUGO_LIST)):
        (site / "layouts" / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / relative).write_text(text)
    return records


def flattened(value, prefix: str = ""):
    """(dotted name, text) of every leaf of a JSON record."""
    if isinstance(value, dict):
        for name in sorted(value):
            yield from flattened(value[name], f"{prefix}{name}.")
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        for index, item in enumerate(value):
            yield from flattened(item, f"{prefix}{index}.")
    else:
        yield prefix.rstrip("."), ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def hugo_binary() -> str:
    """Debian's hugo, installed when missing (as root, with apt-get)."""
    found = shutil.which("hugo")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("hugo is missing: install it (Debian: apt-get install hugo) and run again")
    print("installing Debian's hugo", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=environment)
    subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=True, env=environment, stdout=subprocess.DEVNULL)
    return shutil.which("hugo") or "hugo"


def hugo(site: Path, out: Path) -> Run:
    binary = hugo_binary()
    version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.split()[1]
    seconds, peak, _ = timed("hugo", [binary, "--quiet", "--source", str(site), "--destination", str(out)])
    pages = sum(1 for path in out.rglob("*.html"))
    return Run("Hugo", seconds, pages, peak, f"(hugo {version})")


def jinja_floor(records: Path, out: Path) -> Run:
    seconds, peak, output = timed("plain Jinja2", [sys.executable, "-c", JINJA_FLOOR, str(records), str(out)])
    return Run("plain Jinja2, one page per record", seconds, json.loads(output)["pages"], peak)


def measure(count: int, work: Path, out_root: Path) -> list[Run]:
    snapshot = work / f"synthetic-{count}.xml"
    seconds, peak, _ = timed("synthetic.py", [sys.executable, str(ROOT / "scripts/bench/synthetic.py"), str(count),
                                              "-o", str(snapshot)])
    print(f"synthetic snapshot: {count} HOA-shaped datasets, {snapshot.stat().st_size / 1e6:.0f} MB, written in "
          f"{seconds:.1f} s, peak {peak:.0f} MB; machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
          flush=True)
    records = page_inputs(count, work)
    project = project_copy(work / "project")
    runs = []
    for run in (lambda: atlasgen("atlasgen cold (empty caches)", project, snapshot, out_root / "atlasgen"),
                lambda: atlasgen("atlasgen warm (caches kept)", project, snapshot, out_root / "atlasgen"),
                lambda: hugo(work / "hugo", out_root / "hugo"),
                lambda: jinja_floor(records, out_root / "jinja")):
        runs.append(run())
        print(runs[-1].line(), flush=True)
    return runs


def ratios(runs: list[Run]) -> str:
    cold, warm, hugo_run, floor = runs
    return (f"atlasgen/Hugo: cold x{cold.seconds / hugo_run.seconds:.2f}, warm x{warm.seconds / hugo_run.seconds:.2f} "
            f"(targets: 3 and 1.5); atlasgen/Jinja2 floor: cold x{cold.seconds / floor.seconds:.2f}, "
            f"warm x{warm.seconds / floor.seconds:.2f}; peak RSS of atlasgen cold {cold.peak_mb:.0f} MB "
            f"(target: under 2048 MB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="datasets in the synthetic snapshot")
    parser.add_argument("--out-root", type=Path, help="where the sites are written (default: beside the snapshot; "
                                                      "/dev/shm takes the disk out of the figures)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="atlasgen-bench-"))
    out_root = Path(tempfile.mkdtemp(prefix="atlasgen-bench-out-", dir=args.out_root)) if args.out_root else work
    try:
        runs = measure(args.count, work, out_root)
        print(ratios(runs))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(out_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
