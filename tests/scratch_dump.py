"""An ICAT 5.0 dump written from scratch, as another facility's icatdump would write it: its own names throughout
(facility, instruments, techniques, parameter types without the ESRF's prefixes), no DOI, no file."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

ORGANS = ["femur", "skull", "vertebra"]
INSTRUMENTS = ["ID-A", "ID-B"]
PARAMETERS = [("Beam energy", "keV", "NUMERIC"), ("Bone", "", "STRING"), ("Scan_operator", "", "STRING"),
              ("Detector_pixel size", "um", "NUMERIC"), ("Acquired", "", "DATE_AND_TIME")]


def _add(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, tag, **attributes)
    element.text = text
    return element


def write_scratch_dump(target: Path, datasets: int = 12) -> Path:
    root = etree.Element("icatdata")
    head = _add(root, "head")
    _add(head, "date", "2026-01-15T12:00:00+00:00")
    _add(head, "apiversion", "5.0.1")
    _add(head, "generator", "tests/scratch_dump.py")
    data = _add(root, "data")
    facility = _add(data, "facility", id="Facility_XF")
    _add(facility, "name", "XF")
    _add(facility, "fullName", "Example light source")
    for name in INSTRUMENTS:
        instrument = _add(data, "instrument", id=f"Instrument_{name}")
        _add(instrument, "name", name)
        _add(instrument, "facility", ref="Facility_XF")
    technique = _add(data, "technique", id="Technique_CT")
    _add(technique, "name", "Micro-computed tomography")
    for name, units, kind in PARAMETERS:
        parameter_type = _add(data, "parameterType", id=f"ParameterType_{name.replace(' ', '_')}")
        _add(parameter_type, "applicableToDataset", "true")
        _add(parameter_type, "name", name)
        _add(parameter_type, "units", units or "N/A")
        _add(parameter_type, "valueType", kind)
        _add(parameter_type, "facility", ref="Facility_XF")
    kind = _add(data, "datasetType", id="DatasetType_raw")
    _add(kind, "name", "raw")
    _add(kind, "facility", ref="Facility_XF")
    investigation_type = _add(data, "investigationType", id="InvestigationType_experiment")
    _add(investigation_type, "name", "experiment")
    _add(investigation_type, "facility", ref="Facility_XF")
    investigation = _add(data, "investigation", id="Investigation_P1")
    _add(investigation, "name", "P-0001")
    _add(investigation, "title", "Bones of the example collection")
    _add(investigation, "visitId", "1")
    _add(investigation, "facility", ref="Facility_XF")
    _add(investigation, "type", ref="InvestigationType_experiment")
    for number in range(datasets):
        dataset = _add(data, "dataset", id=f"Dataset_{number}")
        _add(dataset, "name", f"scan-{number:03d}")
        _add(dataset, "description", f"Scan {number} of a {ORGANS[number % 3]}")
        _add(dataset, "startDate", f"2025-{number % 12 + 1:02d}-10T09:00:00+00:00")
        _add(dataset, "investigation", ref="Investigation_P1")
        _add(dataset, "type", ref="DatasetType_raw")
        instruments = _add(dataset, "datasetInstruments")
        _add(instruments, "instrument", ref=f"Instrument_{INSTRUMENTS[number % 2]}")
        techniques = _add(dataset, "datasetTechniques")
        _add(techniques, "technique", ref="Technique_CT")
        values = [("numericValue", f"{40 + 5 * number}.0"), ("stringValue", ORGANS[number % 3]),
                  ("stringValue", ["Ada", "Grace"][number % 2]), ("numericValue", f"{1.5 * (number % 4 + 1)}"),
                  ("dateTimeValue", f"2025-{number % 12 + 1:02d}-10T09:30:00+00:00")]
        for (name, _, _), (tag, value) in zip(PARAMETERS, values):
            parameter = _add(dataset, "parameters")
            _add(parameter, tag, value)
            _add(parameter, "type", ref=f"ParameterType_{name.replace(' ', '_')}")
    target.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
    return target
