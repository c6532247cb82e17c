"""Every benchmark under scripts/bench/ runs at a tiny size, as a user starts it: no refactor breaks one unseen."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from builder.catalogue.snapshot import read_snapshot, snapshot_bytes
from builder.harvest.sources.hoa import hoa_snapshot
from scripts.bench.synthetic import synthetic_records, write_synthetic_snapshot

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "scripts" / "bench"


def run(script: str, *arguments: str, timeout: float = 900) -> str:
    result = subprocess.run([sys.executable, str(BENCH / script), *arguments], cwd=ROOT, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_every_benchmark_script_has_a_smoke_test_here():
    tested = set(re.findall(r'run\("(\w+\.py)"', Path(__file__).read_text()))
    helpers = {"__init__.py", "gzip_server.py", "search_engines.py"}  # imported by search.py, tested through it
    assert {path.name for path in BENCH.glob("*.py")} - helpers == tested


def test_synthetic_writes_a_snapshot_of_that_many_datasets(tmp_path):
    output = run("synthetic.py", "30", "-o", str(tmp_path / "synthetic.xml"))
    assert "30 synthetic datasets" in output
    snapshot = read_snapshot(tmp_path / "synthetic.xml")
    assert len(snapshot.of_kind("dataset")) == 30 and len(snapshot.of_kind("dataPublication")) == 30


def test_a_snapshot_written_in_batches_is_the_one_written_whole(tmp_path):
    path = tmp_path / "streamed.xml"
    write_synthetic_snapshot(400, path, batch=396)  # two batches; the first holds every real record's people
    assert path.read_bytes() == snapshot_bytes(hoa_snapshot(synthetic_records(400)))


def test_build_benchmark_prints_each_generator_and_the_ratios_to_hugo():
    output = run("build.py", "--count", "20")
    for name in ("atlasgen cold", "atlasgen warm", "Hugo", "plain Jinja2"):
        line = next(line for line in output.splitlines() if line.strip().startswith(name))
        seconds, pages_per_second, pages, peak = re.search(
            r"([\d.]+) s +(\d+) pages/s +(\d+) pages +peak +(\d+) MB", line).groups()
        assert float(seconds) > 0 and int(pages) >= 20 and int(peak) > 0, line
    assert re.search(r"atlasgen/Hugo: cold x[\d.]+, warm x[\d.]+", output)


def test_incremental_benchmark_finds_the_sites_byte_identical():
    output = run("incremental.py", "--count", "20", "--repeat", "1")
    assert "incremental and full sites byte-identical: yes" in output


def test_image_benchmark_counts_images_made_and_found_in_the_cache():
    output = run("images.py", "--photos", "2", "--count", "20")
    cached = re.search(r"rebuild: +\d+ made, (\d+) from the cache", output).group(1)
    assert re.search(r"first build: \d+ images made", output) and int(cached) > 0, output


@pytest.mark.browser
def test_search_benchmark_finds_the_same_results_with_every_engine():
    output = run("search.py", "--sizes", "20")
    for engine in ("ours", "lunr", "pagefind"):
        assert re.search(rf"^  {engine} +build +[\d.]+ s .* query to painted +[\d.]+ ms median", output, re.M), output
    counts = dict(re.findall(r"\('(\w+)', (\[[^]]*\])\)", output))
    assert counts["ours"] == counts["lunr"] and counts["ours"] != "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
