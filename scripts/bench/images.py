#!/usr/bin/env python3
"""Image benchmark: images made per second on a first build, and the cache's hit rate on a rebuild.

    python scripts/bench/images.py [--photos 100] [--count 10000]

Case 1: the HOA snapshot with --photos preview images (2400 x 1600 JPEG
photographs made with Pillow, each different) on as many datasets, besides
the social images every site has. Case 2: a synthetic
snapshot of --count datasets (scripts/bench/synthetic.py), where every page
has its own social image: the most images a site of that size makes.
Each case builds twice in fresh processes with a private cache: the first
build makes every image, the rebuild should find them all in the cache.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageFilter  # noqa: E402

from tests.projects import edited_snapshot  # noqa: E402

BUILD = """
import json, sys
from pathlib import Path
from builder.commands.build import BuildOptions, build
report = build(BuildOptions(project=Path(sys.argv[1]), sites=("hoa",), snapshot=Path(sys.argv[2]),
                            out=Path(sys.argv[3]), quiet=True))
site = report.sites[0]
print(json.dumps({"seconds": report.seconds, "processed": site.images_processed, "cached": site.images_cached,
                  "image_seconds": site.images_seconds, "warnings": len(site.warnings)}))
"""


def photo(number: int) -> Image.Image:
    """A smooth, photograph-like picture that differs from every other number."""
    base = Image.effect_noise((240, 160), 60 + number % 40).filter(ImageFilter.GaussianBlur(3))
    tint = Image.linear_gradient("L").rotate(number * 7 % 360).resize((240, 160))
    return Image.merge("RGB", [base, tint, base.transpose(Image.FLIP_LEFT_RIGHT)]).resize((2400, 1600),
                                                                                          Image.BICUBIC)


def project(folder: Path, photos: int) -> Path:
    for name in ("collections", "site_config"):
        shutil.copytree(ROOT / name, folder / name)
    config = folder / "site_config/hoa.yml"
    config.write_text(config.read_text() + "images:\n  root: images\n")
    images = folder / "site_config/images"
    images.mkdir()
    names = sorted(p.stem for p in (ROOT / "catalogue/sources/hoa-metadata-2.0.0").glob("*.json"))[:photos]
    files = {}
    for number, name in enumerate(names):
        photo(number).save(images / f"{name}.jpg", quality=90)
        files[name] = [{"location": f"{name}.jpg", "name": f"{name}.jpg", "format": "JPEG"}]
    edited_snapshot(folder / "with-photos.xml", datafiles=files)
    return folder


def run_build(project_folder: Path, snapshot: Path, out: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", BUILD, str(project_folder), str(snapshot), str(out)],
                            capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout)


def measure(label: str, project_folder: Path, snapshot: Path, work: Path) -> None:
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    first = run_build(project_folder, snapshot, out)
    again = run_build(project_folder, snapshot, out)
    made = first["processed"]
    lookups = again["processed"] + again["cached"]
    print(f"  {label}")
    print(f"    first build: {made} images made in {first['image_seconds']:.2f} s of a {first['seconds']:.2f} s build "
          f"({made / first['image_seconds']:.0f} images/s)")
    print(f"    rebuild:     {again['processed']} made, {again['cached']} from the cache "
          f"(hit rate {100 * again['cached'] / lookups:.1f} %); image phase {again['image_seconds']:.2f} s "
          f"of a {again['seconds']:.2f} s build")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=100, help="preview photographs on HOA datasets (at most 378)")
    parser.add_argument("--count", type=int, default=10_000, help="datasets of the synthetic snapshot (0: skip)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="atlasgen-bench-images-"))
    try:
        started = time.perf_counter()
        hoa = project(work / "hoa", min(args.photos, 378))
        print(f"{args.photos} preview photographs of 2400 x 1600 made in {time.perf_counter() - started:.1f} s; "
              f"machine: {os.cpu_count()} cores")
        measure(f"HOA, 378 datasets, {args.photos} with a preview photograph", hoa, hoa / "with-photos.xml", work)
        if args.count:
            synthetic = work / f"synthetic-{args.count}.xml"
            subprocess.run([sys.executable, str(ROOT / "scripts/bench/synthetic.py"), str(args.count), "-o",
                            str(synthetic)], check=True, capture_output=True)
            plain = work / "synthetic"
            for name in ("collections", "site_config"):
                shutil.copytree(ROOT / name, plain / name)
            measure(f"synthetic, {args.count} datasets and DOIs, no previews", plain, synthetic, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
