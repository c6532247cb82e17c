"""Human Organ Atlas metadata JSON (hoa-tools, metadata_version 1.1) -> snapshot entities.

Each HOA record becomes one ICAT dataset of the ESRF facility, with its
donor as sample parameters, its scan as dataset parameters, its cloud volume
as a datafile, and its citation as a data publication. Fields map onto the
ESRF ICAT parameter names where one exists; the rest become atlasgen's
extensions (builder/schema/atlasgen-parameters.tsv). Missing values stay missing, shared DOIs stay shared.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

from builder.catalogue.snapshot import Entity, Head, Ref, Snapshot
from builder.errors import HarvestError, Location, Problem, SnapshotError
from builder.harvest.sources.dump import dois_of
from builder.harvest.sources.entities import EntityCollector, entity_id, icat_datetime, snapshot_date, technique_id
from builder.harvest.sources.request import Harvest, HarvestRequest

FACILITY = {"name": "ESRF", "fullName": "European Synchrotron Radiation Facility", "url": "https://www.esrf.fr/"}
# The HOA portal publishes every dataset under CC BY 4.0; DOI_rights holds "name,identifier,URL".
LICENCE = "Creative Commons Attribution 4.0 International,CC-BY-4.0,https://creativecommons.org/licenses/by/4.0/"
CREDIT_ROLES = {
    "Conceptualization", "Data curation", "Formal analysis", "Funding acquisition", "Investigation",
    "Methodology", "Project administration", "Resources", "Software", "Supervision", "Validation",
    "Visualization", "Writing – original draft", "Writing – review & editing",
}


SCAN_PARAMETERS = {
    "energy": "TOMOAcquisition_energy",
    "current_start": "TOMOAcquisition_srcur_start",
    "filling_mode": "InstrumentSource_mode",
    "n_frames": "TOMOAcquisition_proj_n",
    "n_ref": "TOMOAcquisition_flat_n",
    "n_dark": "TOMOAcquisition_dark_n",
    "latency_time": "TOMOAcquisition_latency_time",
    "exposure_time": "TOMOAcquisition_exposure_time",
    "subframe_time": "TOMOAcquisition_subframe_time",
    "n_subframes": "TOMO_subframe_nb",
    "scan_type": "TOMO_scanning_mode",
    "scan_range": "TOMOAcquisition_scan_range",
    "n_scans": "TOMOAcquisitionZseries_z_n_steps",
    "acquisition": "TOMOAcquisition_type",
    "z_step": "TOMOAcquisitionZseries_z_delta",
    "scan_time": "TOMOAcquisition_duration",
    "scintillator": "TOMOAcquisition_scintillator",
    "optic": "TOMOAcquisition_optic_name",
    "optic_magnification": "TOMOAcquisition_magnification",
    "distance_source_sample": "TOMOAcquisition_source_sample_distance",
    "distance_sample_detector": "TOMOAcquisition_sample_detector_distance",
    "psho": "TOMOAcquisition_psho",
    "sensor_name": "InstrumentDetector01_model",
    "sensor_mode": "InstrumentDetector01_acquisition_mode",
    "sensor_roi_x_size": "TOMO_x_pixel_n",
    "sensor_roi_y_size": "TOMO_y_pixel_n",
    "pixel_size": "TOMOAcquisition_sample_pixel_size",
    "xray_magnification": "TOMOAcquisition_beam_magnification",
    "experiment_type": "TOMO_experiment_type",
}
PREPARATION_PARAMETERS = {
    "post_mortem_interval_hours": "SamplePreparation_post_mortem_interval",
    "fixation_method": "SamplePreparation_fixation_method",
    "fixation_medium": "SamplePreparation_fixation_medium",
    "organ_infilled": "SamplePreparation_organ_infilled",
    "stabilisation_medium": "SamplePreparation_stabilisation_medium",
    "degassing_method": "SamplePreparation_degassing_method",
    "scan_solvent": "SamplePreparation_scan_solvent",
    "scan_solvent_concentration": "SamplePreparation_scan_solvent_concentration",
    "scan_temperature": "Sample_temperature_env",
}
DONOR_PARAMETERS = {
    "id": "SamplePatient_number",
    "age": "SamplePatient_age",
    "sex": "SamplePatient_sex",
    "weight": "SamplePatient_weight",
    "height": "SamplePatient_size",
    "cause_of_death": "SamplePatient_cause_of_death",
    "medical_history": "SamplePatient_info",
    "diabetes": "SamplePatient_diabetes",
    "hypertension": "SamplePatient_hypertension",
    "smoker": "SamplePatient_smoker",
}
VOLUME_FORMATS = {"n5": "N5", "zarr": "OME-Zarr", "zarr2": "OME-Zarr", "zarr3": "OME-Zarr",
                  "precomputed": "Precomputed"}


# ---------------------------------------------------------------- the `hoa` source


def harvest_hoa(request: HarvestRequest) -> Harvest:
    """Every record of a folder of HOA metadata JSON (or a hoa-tools wheel): a file has no change times."""
    try:
        records = [record for _, record in read_records(Path(request.url))]
    except SnapshotError as error:
        raise HarvestError(error.problems) from None
    snapshot = hoa_snapshot(records, service=request.url)
    return Harvest(snapshot, dois_of(snapshot))


# ---------------------------------------------------------------- reading records


def read_records(source: Path) -> list[tuple[str, dict[str, Any]]]:
    """(file name, record) pairs from a folder of JSON files or a hoa-tools wheel, sorted by name."""
    if source.is_file() and source.suffix in {".whl", ".zip"}:
        with zipfile.ZipFile(source) as wheel:
            names = sorted(n for n in wheel.namelist() if re.search(r"/metadata/[^/]+\.json$", n))
            return [(n, _parse(n, wheel.read(n))) for n in names]
    if not source.is_dir():
        raise SnapshotError(Problem(Location(str(source)),
                                    "expected a folder of HOA metadata JSON or a hoa-tools wheel"))
    files = sorted(source.glob("*.json"))
    if not files:
        raise SnapshotError(Problem(Location(str(source)), "no HOA metadata JSON files found here"))
    return [(str(path), _parse(str(path), path.read_bytes())) for path in files]


def _parse(name: str, raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None)
        raise SnapshotError(Problem(Location(name, line), f"not valid JSON: {error}")) from None
    missing = [key for key in ("name", "data", "sample", "donor", "scan", "proposal", "citation") if key not in record]
    if missing:
        raise SnapshotError(Problem(Location(name), f"not an HOA metadata record: missing {', '.join(missing)}"))
    return record


# ---------------------------------------------------------------- conversion


def hoa_snapshot(records: Iterable[dict[str, Any]], date: str | None = None, service: str | None = None) -> Snapshot:
    """Convert HOA records to a snapshot; the same records always give the same snapshot."""
    records = list(records)
    collector = hoa_collector()
    add_hoa_records(collector, records)
    return Snapshot(hoa_head(records, date, service), collector.entities())


def hoa_collector(sink: Callable[[Entity], None] | None = None) -> EntityCollector:
    """A collector for HOA records (of the ESRF); see EntityCollector for `sink`."""
    return EntityCollector(entity_id("facility", FACILITY["name"]), sink)


def hoa_head(records: Iterable[dict[str, Any]], date: str | None = None, service: str | None = None) -> Head:
    """The head of a snapshot of these records: dated by the newest scan unless `date` is given."""
    return Head(date=date or snapshot_date(r["scan"]["date"] for r in records),
                generator="atlasgen HOA metadata importer", service=service)


def add_hoa_records(collector: EntityCollector, records: Iterable[dict[str, Any]]) -> None:
    """Add the entities of HOA records to a collector (which may hold other sources' entities too)."""
    records = sorted(records, key=lambda r: r["name"])
    converter = _Converter(records, collector)
    for record in records:
        converter.add_dataset(record)
    converter.add_publications()


class _Converter:
    def __init__(self, records: list[dict[str, Any]], collector: EntityCollector):
        self.collector = collector
        self.orcids = _orcids_by_name(records)
        self.datasets_by_doi: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._add_static()
        for record in records:  # people first, so that a user entity carries the fullest name
            for person in record["citation"]["contributors"]:
                if not _is_organisation(person):
                    self._user(f"{person['first_name']} {person['last_name']}", person["first_name"],
                               person["last_name"])

    def _add_static(self) -> None:
        add = self.collector.add
        add(Entity("facility", dict(FACILITY), self.collector.facility_id))
        add(Entity("datasetType", {"description": "Reconstructed volume", "name": "processed",
                                   "facility": Ref(self.collector.facility_id)}, entity_id("datasetType", "processed")))
        add(Entity("dataPublicationType", {"description": "Dataset with a DataCite DOI", "name": "Dataset",
                                           "facility": Ref(self.collector.facility_id)},
                   entity_id("dataPublicationType", "Dataset")))

    # ---- shared entities

    def _instrument(self, beamline: str) -> Ref:
        return self.collector.add(Entity("instrument", {"name": beamline, "facility": Ref(self.collector.facility_id)},
                                         entity_id("instrument", beamline)))

    def _technique(self, name: str) -> Ref:
        return self.collector.add(Entity("technique", {"description": name, "name": name}, technique_id(name)))

    def _format(self, scheme: str) -> Ref:
        name = VOLUME_FORMATS[scheme]
        return self.collector.add(Entity("datafileFormat", {"description": f"{name} multiscale volume", "name": name,
                                                            "version": "N/A",
                                                            "facility": Ref(self.collector.facility_id)},
                                         entity_id("datafileFormat", name)))

    def _user(self, full_name: str, given: str | None = None, family: str | None = None) -> Ref:
        orcid = self.orcids.get(full_name)
        login = f"orcid/{orcid}" if orcid else f"hoa/{full_name}"
        values: dict[str, Any] = {"familyName": family, "fullName": full_name, "givenName": given, "name": login,
                                  "orcidId": orcid}
        return self.collector.add(Entity("user", {k: v for k, v in values.items() if v}, entity_id("user", login)))

    def _investigation(self, proposal: dict[str, Any], beamline: str) -> Ref:
        number, visit = proposal["proposal_number"], beamline.lower()
        users = [Entity("investigationUser", {"role": "Proposer", "user": self._user(name)})
                 for name in proposal["proposers"]]
        values = {"name": number, "title": proposal["title"], "visitId": visit,
                  "facility": Ref(self.collector.facility_id),
                  "investigationInstruments": [Entity("investigationInstrument",
                                                      {"instrument": self._instrument(beamline)})],
                  "investigationUsers": users}
        return self.collector.add(Entity("investigation", values, entity_id("investigation", number, visit)))

    def _sample(self, record: dict[str, Any], investigation: Ref) -> Ref:
        donor, sample = record["donor"], record["sample"]
        name = "_".join(part for part in (donor["id"], sample["organ"], sample["organ_context"]) if part)
        parameters = self.collector.parameters("sample", {DONOR_PARAMETERS[k]: donor[k] for k in DONOR_PARAMETERS})
        parameters += self.collector.parameters("sample", {"SamplePatient_organ_name": sample["organ"],
                                                           "SamplePatient_organ_description": sample["organ_context"]})
        values = {"name": name, "investigation": investigation, "parameters": parameters}
        return self.collector.add(Entity("sample", values, entity_id("sample", investigation.id or "", name)))

    # ---- one record

    def add_dataset(self, record: dict[str, Any]) -> None:
        scan, data = record["scan"], record["data"]
        investigation = self._investigation(record["proposal"], scan["beamline"])
        dataset_id = entity_id("dataset", record["name"])
        values: dict[str, Any] = {
            "complete": "true",
            # The citation title describes this very dataset; datasets sharing a DOI keep their own.
            "description": record["citation"]["title"],
            "name": record["name"],
            "startDate": icat_datetime(scan["date"]),
            "investigation": investigation,
            "sample": self._sample(record, investigation),
            "type": Ref(entity_id("datasetType", "processed")),
            "datasetInstruments": [Entity("datasetInstrument", {"instrument": self._instrument(scan["beamline"])})],
            "datasetTechniques": [Entity("datasetTechnique", {"technique": self._technique(scan["technique"])})],
            "parameters": self.collector.parameters("dataset", _dataset_parameters(record)),
        }
        self.collector.add(Entity("dataset", values, dataset_id))
        self._add_volume_file(record["name"], data["gcs_url"], dataset_id)
        if record["citation"].get("doi"):
            self.datasets_by_doi[record["citation"]["doi"]].append(record)

    def _add_volume_file(self, name: str, url: str, dataset_id: str) -> None:
        scheme = url.split("://", 1)[0]
        values = {"location": url, "name": url.rstrip("/").rsplit("/", 1)[-1], "datafileFormat": self._format(scheme),
                  "dataset": Ref(dataset_id)}
        self.collector.add(Entity("datafile", values, entity_id("datafile", name)))

    # ---- publications

    def add_publications(self) -> None:
        for doi in sorted(self.datasets_by_doi):
            self._add_publication(doi, self.datasets_by_doi[doi])

    def _add_publication(self, doi: str, records: list[dict[str, Any]]) -> None:
        citation = records[0]["citation"]
        collection = self.collector.add(Entity("dataCollection", {
            "dataCollectionDatasets": [Entity("dataCollectionDataset",
                                              {"dataset": Ref(entity_id("dataset", r["name"]))})
                                       for r in records],
            "parameters": [self.collector.parameter("dataCollection", "DOI_rights", LICENCE)],
        }, entity_id("dataCollection", doi)))
        dates = sorted({r["scan"]["date"] for r in records})
        collected = dates[0] if len(dates) == 1 else f"{dates[0]}/{dates[-1]}"
        users = [user for order, contributor in enumerate(citation["contributors"], start=1)
                 for user in self._publication_users(contributor, order)]
        self.collector.add(Entity("dataPublication", {
            "pid": doi, "title": citation["title"], "content": collection,
            "facility": Ref(self.collector.facility_id),
            "type": Ref(entity_id("dataPublicationType", "Dataset")),
            "dates": [Entity("dataPublicationDate", {"date": collected, "dateType": "Collected"})],
            "users": users,
        }, entity_id("dataPublication", doi)))

    def _publication_users(self, contributor: dict[str, Any], order: int) -> list[Entity]:
        """The creator entry, then one entry per CRediT role (ICAT allows one per contributor type)."""
        given, family = contributor["first_name"], contributor["last_name"]
        who: dict[str, Any] = {"orderKey": f"{order:03d}"}
        if _is_organisation(contributor):
            who["fullName"] = f"{given} {family}"
            creator = dict(who)
        else:
            who["user"] = self._user(f"{given} {family}", given, family)
            creator = {**who, "familyName": family, "fullName": f"{family}, {given}", "givenName": given}
        roles = [role for role in contributor["roles"] if role in CREDIT_ROLES]
        return [Entity("dataPublicationUser", {**creator, "contributorType": "Creator"})] + [
            Entity("dataPublicationUser", {**who, "contributorType": role}) for role in roles
        ]


def _is_organisation(person: dict[str, Any]) -> bool:
    """HOA writes its collaboration as first name "The", last name "Human Organ Atlas Collaboration"."""
    return person["first_name"] == "The"


def _orcids_by_name(records: list[dict[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for record in records:
        for person in record["citation"]["contributors"]:
            if person.get("orcid"):
                found.setdefault(f"{person['first_name']} {person['last_name']}", person["orcid"])
    return found


def _dataset_parameters(record: dict[str, Any]) -> dict[str, Any]:
    scan, data, sample = record["scan"], record["data"], record["sample"]
    named: dict[str, Any] = {"HOA_dataset_type": record["dataset_type"], "HOA_voi": record["voi"],
                             "HOA_metadata_version": record.get("metadata_version")}
    named.update({SCAN_PARAMETERS[key]: scan[key] for key in SCAN_PARAMETERS if key in scan})
    named.update({PREPARATION_PARAMETERS[key]: _text_or_number(sample[key]) for key in PREPARATION_PARAMETERS
                  if key in sample})
    for index, description in enumerate(scan.get("filters") or [], start=1):
        named[f"InstrumentAttenuator{index:02d}_type"] = description
    if scan.get("sensor_binning"):
        named["InstrumentDetector01_binning"] = "x".join(str(b) for b in scan["sensor_binning"])
    for axis, size in zip("xyz", data["shape"]):
        named[f"TOMOReconstruction_nb_voxel_{axis}"] = size
    for axis in "xyz":
        named[f"TOMOReconstruction_voxel_size_{axis}"] = data["voxel_size_um"]
    registration = record.get("registration") or {}
    if registration.get("target_dataset"):
        named["Registration_target_dataset"] = registration["target_dataset"]
        for axis, value in zip("xyz", registration["translation"]):
            named[f"Registration_translation_{axis}"] = value
        named["Registration_rotation"] = registration["rotation"]
        named["Registration_scale"] = registration["scale"]
    return named


def _text_or_number(value: Any) -> Any:
    """Booleans in the HOA data ('organ_infilled') become text, as the parameter is a string."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
