"""The embedded HOA snapshot with additions, written as ICAT dump XML the way a facility's dump would have them."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.conftest import SNAPSHOT

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
