"""Projects for tests: the HOA snapshot with additions (as a facility's ICAT dump would have them), image files.

`project_with_images` attaches image files made with Pillow to real HOA
datasets: RGB, 16-bit grey, PNG with transparency, optionally a 20,000 x
20,000 slice, a truncated file, a non-image named .png, a missing file and
one outside the image root.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from lxml import etree
from PIL import Image

from tests.conftest import REPO, SNAPSHOT

RGB = "A109_lung_VOI-02b_4.14um_bm18"  # rgb.jpg, then alpha.png (in the order of their names)
GREY16 = "A109_lung_complete-organ_19.19um_bm18"  # an absolute location: /data/visitor/md1389/grey16.png
HUGE = "S-20-29_brain_VOI-04_6.5um_bm05"
TRUNCATED = "FO-20-124_lung_upper_lobe_VOI-01_2.5um_bm05"
NOT_AN_IMAGE = "FO-20-124_lung_upper_lobe_VOI-01_6.5um_bm05"  # fake.png, then rgb.jpg again
MISSING = "FO-20-124_lung_upper_lobe_VOI-02_2.5um_bm05"
OUTSIDE = "FO-20-124_lung_upper_lobe_VOI-02_6.5um_bm05"

NEW_TYPES = {"Neuroglancer_contrast_low": "NUMERIC", "Neuroglancer_contrast_high": "NUMERIC",
             "Neuroglancer_shader": "STRING"}


def _element(tag: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.Element(tag, **attributes)
    element.text = text
    return element


def edited_snapshot(target: Path, datafiles: dict[str, list[dict]] | None = None,
                    parameters: dict[str, dict[str, float | str]] | None = None) -> Path:
    """A copy of the HOA snapshot where datasets (by name) have more datafiles and parameters.

    A datafile is a dict of `location`, `name` and optional `format` and `description`.
    """
    tree = etree.parse(str(SNAPSHOT))
    root = tree.getroot()
    data = root.findall("data")[-1]
    types = {t.findtext("name") for t in root.iterfind("data/parameterType")}
    for name, kind in NEW_TYPES.items():
        if name not in types:
            element = etree.SubElement(data, "parameterType", id=f"ParameterType_{name}")
            for tag, text in (("applicableToDataset", "true"), ("name", name), ("units", "N/A"), ("valueType", kind)):
                element.append(_element(tag, text))
            element.append(_element("facility", ref="Facility_ESRF"))
    formats = set()
    for dataset, files in (datafiles or {}).items():
        for number, file in enumerate(files):
            element = etree.SubElement(data, "datafile", id=f"Datafile_{dataset}_extra_{number}")
            if file.get("description"):
                element.append(_element("description", file["description"]))
            element.append(_element("location", file["location"]))
            element.append(_element("name", file["name"]))
            if file.get("format"):
                formats.add(file["format"])
                element.append(_element("datafileFormat", ref=f"DatafileFormat_{file['format']}"))
            element.append(_element("dataset", ref=f"Dataset_{dataset}"))
    for name in sorted(formats):
        element = etree.Element("datafileFormat", id=f"DatafileFormat_{name}")
        for tag, text in (("name", name), ("version", "1")):
            element.append(_element(tag, text))
        element.append(_element("facility", ref="Facility_ESRF"))
        data.insert(0, element)
    datasets = {d.findtext("name"): d for d in root.iterfind("data/dataset")}
    for dataset, values in (parameters or {}).items():
        for name, value in values.items():
            parameter = _element("parameters")
            kind = "numericValue" if isinstance(value, (int, float)) else "stringValue"
            parameter.append(_element(kind, str(value)))
            parameter.append(_element("type", ref=f"ParameterType_{name}"))
            datasets[dataset].append(parameter)
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return target


def make_images(folder: Path, huge: bool = True) -> None:
    folder.mkdir(parents=True)
    gradient = Image.linear_gradient("L")
    Image.merge("RGB", [gradient.resize((2400, 1600)), gradient.rotate(90).resize((2400, 1600)),
                        Image.new("L", (2400, 1600), 90)]).save(folder / "rgb.jpg", quality=90)
    # 16-bit slice whose values use a narrow band of the range, as tomography data do
    wide = gradient.resize((1800, 1200)).convert("I").point(lambda v: v * 16 + 20000)
    (folder / "data/visitor/md1389").mkdir(parents=True)
    wide.convert("I;16").save(folder / "data/visitor/md1389/grey16.png")
    alpha = Image.new("RGBA", (900, 600), (200, 30, 30, 0))
    alpha.paste((20, 160, 60, 255), (300, 200, 600, 400))
    alpha.save(folder / "alpha.png")
    if huge:
        gradient.resize((20000, 20000), Image.NEAREST).save(folder / "huge.png", compress_level=1)
    whole = (folder / "rgb.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(whole[: len(whole) // 3])
    (folder / "fake.png").write_text("<html>this is not a PNG</html>")
    (folder.parent / "outside.png").write_bytes((folder / "alpha.png").read_bytes())


def project_with_images(root: Path, viewer: str | None = None, huge: bool = True) -> Path:
    """A copy of the project's configs whose HOA site has an image root and whose snapshot has image files."""
    for name in ("collections", "site_config"):
        shutil.copytree(REPO / name, root / name)
    config = root / "site_config/hoa.yml"
    text = config.read_text()
    if viewer:
        text = text.replace("  url: https://neuroglancer-demo.appspot.com/\n", f"  url: {viewer}\n")
    config.write_text(text + "images:\n  root: images\n")
    make_images(root / "site_config/images", huge)
    (root / "catalogue").mkdir()
    edited_snapshot(root / "catalogue/esrf-public.xml", datafiles={
        RGB: [{"location": "rgb.jpg", "name": "slice-1.jpg", "format": "JPEG",
               "description": "Virtual slice through the middle of the zoom"},
              {"location": "alpha.png", "name": "slice-2.png"}],
        GREY16: [{"location": "/data/visitor/md1389/grey16.png", "name": "grey16.png", "format": "PNG"}],
        HUGE: [{"location": "huge.png", "name": "huge.png"}],
        TRUNCATED: [{"location": "truncated.jpg", "name": "truncated.jpg"}],
        NOT_AN_IMAGE: [{"location": "fake.png", "name": "fake.png"}, {"location": "rgb.jpg", "name": "rgb.jpg"}],
        MISSING: [{"location": "missing.png", "name": "missing.png"}],
        OUTSIDE: [{"location": "../outside.png", "name": "outside.png"}],
    })
    return root
