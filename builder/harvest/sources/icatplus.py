"""The `icatplus` source: the ICAT+ REST API of the ESRF's public data portals.

Routes and answer shapes are those of the `icat-plus-client` package (its
pydantic models check every item). The harvest logs in anonymously as the
portals do (`reader`), lists the data collections with their DOI and
`modTime`, and fetches in full only the DOIs changed since `request.since`:
their DataCite JSON, datasets (with parameters, techniques, instrument),
files, samples and investigations. A session that expired on the way is
renewed once.

Entity ids come from natural keys (the DOI; investigation name + visit; the
dataset's name), the same as the other sources, so a harvest replaces what a
previous one wrote.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, TypeVar
from urllib.parse import quote

from icat_plus_client.models.datacollection import Datacollection
from icat_plus_client.models.datafile import Datafile
from icat_plus_client.models.dataset import Dataset
from icat_plus_client.models.facility import Facility
from icat_plus_client.models.investigation import Investigation
from icat_plus_client.models.sample import Sample
from icat_plus_client.models.session import Session
from pydantic import ValidationError

from builder.catalogue.records import normalise_doi
from builder.catalogue.snapshot import Entity, Head, Ref, Snapshot
from builder.catalogue.vocabulary import parameter_definitions
from builder.errors import HarvestError, Location, Problem
from builder.harvest.sources.entities import EntityCollector, entity_id, icat_datetime, technique_id
from builder.harvest.sources.http import JsonClient, Refused
from builder.harvest.sources.request import Harvest, HarvestRequest

READER = {"plugin": "db", "username": "reader", "password": "reader"}  # the public portals' anonymous account
PAGE = 100  # items per request of a paged route
Model = TypeVar("Model")


def harvest_icatplus(request: HarvestRequest) -> Harvest:
    client = JsonClient(request.url, request.timeout, request.retries)
    try:
        service = IcatPlus(client, request)
        return _harvest(service, request)
    finally:
        client.close()


# ---------------------------------------------------------------- the routes


class IcatPlus:
    """The ICAT+ routes a harvest reads, with one session renewed when it expires."""

    def __init__(self, client: JsonClient, request: HarvestRequest):
        self.client = client
        self.credentials = READER if request.username is None else {
            "plugin": request.authenticator, "username": request.username, "password": request.password or ""}
        self.session_id = self._login()

    def _login(self) -> str:
        session = _validated(Session, self.client.post("/session", self.credentials), f"{self.client.base_url}/session")
        if not session.session_id:
            raise HarvestError(Problem(Location(f"{self.client.base_url}/session"),
                                       "the login answer has no sessionId"))
        return session.session_id

    def where(self, route: str) -> str:
        """A route as error messages show it: the session id is a credential."""
        return f"{self.client.base_url}{route}".replace(f"/catalogue/{self.session_id}/", "/catalogue/{sessionId}/")

    def catalogue(self, route: str, params: dict[str, str]) -> Any:
        """GET /catalogue/{sessionId}/{route}; an expired session (401/403) is renewed once."""
        try:
            return self.client.get(f"/catalogue/{self.session_id}/{route}", params)
        except Refused as error:
            if error.status not in (401, 403):
                raise
            self.session_id = self._login()
            return self.client.get(f"/catalogue/{self.session_id}/{route}", params)

    def facility(self) -> Facility:
        """The facility ICAT+ serves: the first it lists."""
        answer = self.client.get("/facilities")
        if not isinstance(answer, list) or not answer:
            raise HarvestError(Problem(Location(self.where("/facilities")), "expected a list of at least one facility"))
        return _validated(Facility, answer[0], self.where("/facilities"))

    def data_collections(self) -> list[tuple[Datacollection, dict[str, Any]]]:
        """Every data collection with its raw item: the model lacks ICAT's `doi` field, the item has it."""
        items = self._catalogue_pages("datacollection", {})
        return [(_validated(Datacollection, item, self.where("/catalogue/{sessionId}/datacollection")), item)
                for item in items]

    def doi_datasets(self, doi: str) -> list[tuple[Dataset, dict[str, Any]]]:
        route = f"{_doi_path(doi)}/datasets"
        items = self._pages(lambda page: self.client.get(route, page), route)
        return [(_validated(Dataset, item, self.where(route)), item) for item in items]

    def datacite(self, doi: str) -> dict[str, Any]:
        route = f"{_doi_path(doi)}/json-datacite"
        answer = self.client.get(route)
        if not isinstance(answer, dict) or not answer.get("doi") or not answer.get("titles"):
            raise HarvestError(Problem(Location(self.where(route)), "expected DataCite JSON with 'doi' and 'titles'"))
        return answer

    def investigations(self, **query: str) -> list[Investigation]:
        return self._models(Investigation, "investigation", query)

    def samples(self, ids: Iterable[int]) -> list[Sample]:
        return self._models(Sample, "samples", {"sampleIds": _id_list(ids)})

    def datasets(self, investigation_ids: Iterable[int]) -> list[Dataset]:
        return self._models(Dataset, "dataset", {"investigationIds": _id_list(investigation_ids)})

    def datafiles(self, dataset_id: int) -> list[Datafile]:
        return self._models(Datafile, "datafile", {"datasetId": str(dataset_id)})

    def _models(self, model: type[Model], route: str, query: dict[str, str]) -> list[Model]:
        """Every item of a catalogue route filtered by `query`; no filter value at all is no item."""
        if not all(query.values()):  # an empty id list would ask ICAT+ for everything the reader sees
            return []
        where = self.where(f"/catalogue/{{sessionId}}/{route}")
        return [_validated(model, item, where) for item in self._catalogue_pages(route, query)]

    def _catalogue_pages(self, route: str, query: dict[str, str]) -> list[dict[str, Any]]:
        return self._pages(lambda page: self.catalogue(route, {**query, **page}), f"/catalogue/{{sessionId}}/{route}")

    def _pages(self, fetch: Callable[[dict[str, str]], Any], route: str) -> list[dict[str, Any]]:
        """Every item of a paged route: `skip`/`limit` until a page comes back short."""
        items: list[dict[str, Any]] = []
        while True:
            page = fetch({"skip": str(len(items)), "limit": str(PAGE)})
            if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
                raise HarvestError(Problem(Location(self.where(route)),
                                           f"expected a JSON list of objects, got {_kind_of(page)}"))
            items += page
            if len(page) < PAGE:
                return items


def _doi_path(doi: str) -> str:
    prefix, _, suffix = doi.partition("/")
    return f"/doi/{quote(prefix, safe='')}/{quote(suffix, safe='')}"


def _id_list(ids: Iterable[int | float]) -> str:
    return ",".join(str(int(i)) for i in sorted(set(ids)))


def _kind_of(page: Any) -> str:
    return "a list with non-objects" if isinstance(page, list) else type(page).__name__


def _validated(model: type[Model], item: Any, where: str) -> Model:
    try:
        return model.from_dict(item)  # type: ignore[attr-defined]
    except (ValidationError, TypeError, AttributeError, KeyError) as error:
        raise HarvestError(Problem(Location(where), f"an answer does not match ICAT+'s {model.__name__}: "
                                                    f"{str(error).splitlines()[0]}")) from None


# ---------------------------------------------------------------- what to harvest


def _harvest(service: IcatPlus, request: HarvestRequest) -> Harvest:
    collections = _selected(service, request)
    since = _when(request.since) if request.since else None
    changed = {doi: collection for doi, collection in collections.items()  # no modTime: better fetched again
               if since is None or collection.mod_time is None or _when(collection.mod_time) > since}
    converter = _Converter(service.facility())
    for doi in sorted(changed):
        converter.add_doi(doi, service.datacite(doi), service.doi_datasets(doi), service)
    times = [icat_datetime(c.mod_time) for c in changed.values() if c.mod_time]
    date = max(times + ([icat_datetime(request.since)] if request.since else []), key=_when, default="")
    head = Head(date=date, generator="atlasgen icatplus source", service=request.url)
    return Harvest(Snapshot(head, converter.entities(), request.url), tuple(sorted(collections)))


def _selected(service: IcatPlus, request: HarvestRequest) -> dict[str, Datacollection]:
    """The data collections with a DOI that the request selects, by DOI."""
    by_doi = {}
    for collection, item in service.data_collections():
        doi = normalise_doi(item.get("doi"))
        if doi:
            by_doi[doi] = collection
    if not (request.dois or request.investigations):
        return by_doi
    wanted = set(request.dois)
    if request.investigations:
        proposals = [i for name in request.investigations for i in service.investigations(investigationName=name)]
        dataset_ids = {d.id for d in service.datasets(p.id for p in proposals)} if proposals else set()
        wanted |= {doi for doi, c in by_doi.items()
                   if any(link.dataset and link.dataset.id in dataset_ids for link in c.data_collection_datasets or [])}
    return {doi: c for doi, c in by_doi.items() if doi in wanted}


def _when(text: str | None) -> datetime:
    return datetime.fromisoformat(icat_datetime(text or "1970-01-01"))


# ---------------------------------------------------------------- ICAT+ JSON -> entities


class _Converter:
    def __init__(self, facility: Facility):
        self.collector = collector = EntityCollector(entity_id("facility", facility.name))
        self.users: dict[str, dict[str, Any]] = {}  # user id -> the values its entity shares
        values = {"name": facility.name, "fullName": facility.full_name, "url": facility.url,
                  "description": facility.description}
        collector.add(Entity("facility", {k: v for k, v in values.items() if v}, collector.facility_id))
        facility_id = collector.facility_id
        collector.add(Entity("dataPublicationType", {"description": "Dataset with a DataCite DOI", "name": "Dataset",
                                                     "facility": Ref(facility_id)},
                             entity_id("dataPublicationType", "Dataset")))

    def entities(self) -> list[Entity]:
        return self.collector.entities()

    def add_doi(self, doi: str, datacite: dict[str, Any], datasets: list[tuple[Dataset, dict[str, Any]]],
                service: IcatPlus) -> None:
        samples = {s.id: s for s in service.samples(d.sample_id for d, _ in datasets if d.sample_id is not None)}
        proposals = {i.id: i for i in service.investigations(ids=_id_list(d.investigation.id for d, _ in datasets))}
        links = []
        for dataset, item in datasets:
            investigation = self._investigation(proposals.get(dataset.investigation.id), dataset)
            dataset_ref = self._dataset(dataset, item, investigation, samples.get(dataset.sample_id))
            for datafile in service.datafiles(int(dataset.id)):
                self._datafile(datafile, dataset.name, dataset_ref)
            links.append(Entity("dataCollectionDataset", {"dataset": dataset_ref}))
        rights = [self.collector.parameter("dataCollection", "DOI_rights", _rights(r))
                  for r in datacite.get("rightsList") or [] if _rights(r)]
        collection = self.collector.add(Entity("dataCollection", {"dataCollectionDatasets": links,
                                                                  "parameters": rights[:1]},
                                               entity_id("dataCollection", doi)))
        self._publication(doi, datacite, collection)

    # ---- catalogue entities

    def _instrument(self, name: str) -> Ref:
        return self.collector.add(Entity("instrument", {"name": name, "facility": Ref(self.collector.facility_id)},
                                         entity_id("instrument", name)))

    def _investigation(self, proposal: Investigation | None, dataset: Dataset) -> Ref:
        light = dataset.investigation
        name, visit = (proposal.name, proposal.visit_id) if proposal else (light.name, light.visit_id)
        values: dict[str, Any] = {"name": name, "title": (proposal.title if proposal else light.title) or name,
                                  "visitId": visit or "", "facility": Ref(self.collector.facility_id)}
        if proposal and proposal.start_date:
            values["startDate"] = icat_datetime(proposal.start_date)
        if proposal and proposal.instrument:
            values["investigationInstruments"] = [Entity("investigationInstrument",
                                                         {"instrument": self._instrument(proposal.instrument.name)})]
        if proposal and proposal.investigation_users:
            values["investigationUsers"] = [Entity("investigationUser", {"role": u.role, "user": self._login(u.user)})
                                            for u in proposal.investigation_users]
        return self.collector.add(Entity("investigation", values, entity_id("investigation", name or "", visit or "")))

    def _login(self, user: Any) -> Ref:
        return self._user({"name": user.name, "fullName": user.full_name, "givenName": user.given_name,
                           "familyName": user.family_name})

    def _user(self, values: dict[str, Any]) -> Ref:
        """One user entity per login, with what every mention of it tells (an investigation's lacks the ORCID)."""
        user_id = entity_id("user", values["name"])
        self.users.setdefault(user_id, {}).update({k: v for k, v in values.items() if v})
        return self.collector.add(Entity("user", self.users[user_id], user_id))

    def _sample(self, sample: Sample, investigation: Ref) -> Ref:
        values = {"name": sample.name, "investigation": investigation,
                  "parameters": self._parameters("sample", sample.parameters or [])}
        return self.collector.add(Entity("sample", values, entity_id("sample", investigation.id or "", sample.name)))

    def _dataset(self, dataset: Dataset, item: dict[str, Any], investigation: Ref, sample: Sample | None) -> Ref:
        values: dict[str, Any] = {"complete": "true", "name": dataset.name, "investigation": investigation,
                                  "type": self._dataset_type(dataset.type or "processed"),
                                  "parameters": self._parameters("dataset", dataset.parameters or [])}
        for name, text in (("description", item.get("description")), ("location", dataset.location),
                           ("startDate", dataset.start_date), ("endDate", dataset.end_date)):
            if text:
                values[name] = icat_datetime(text) if name.endswith("Date") else text
        if sample is not None:
            values["sample"] = self._sample(sample, investigation)
        if dataset.instrument_name:
            values["datasetInstruments"] = [Entity("datasetInstrument",
                                                   {"instrument": self._instrument(dataset.instrument_name)})]
        if dataset.techniques:
            values["datasetTechniques"] = [Entity("datasetTechnique", {"technique": self._technique(t)})
                                           for t in dataset.techniques]
        return self.collector.add(Entity("dataset", values, entity_id("dataset", dataset.name)))

    def _dataset_type(self, name: str) -> Ref:
        return self.collector.add(Entity("datasetType", {"name": name, "facility": Ref(self.collector.facility_id)},
                                         entity_id("datasetType", name)))

    def _technique(self, technique: Any) -> Ref:
        values = {"name": technique.name, "pid": technique.pid, "description": technique.description}
        return self.collector.add(Entity("technique", {k: v for k, v in values.items() if v},
                                         technique_id(technique.name)))

    def _datafile(self, datafile: Datafile, dataset_name: str, dataset: Ref) -> None:
        name = datafile.name or (datafile.location or "").rstrip("/").rsplit("/", 1)[-1]
        values: dict[str, Any] = {"name": name, "location": datafile.location, "dataset": dataset,
                                  "fileSize": None if datafile.file_size is None else str(int(datafile.file_size))}
        self.collector.add(Entity("datafile", {k: v for k, v in values.items() if v is not None},
                                  entity_id("datafile", dataset_name, name)))

    def _parameters(self, holder: str, items: Iterable[Any]) -> list[Entity]:
        known = parameter_definitions()
        unknown = sorted({item.name for item in items if item.name and item.name not in known})
        if unknown:
            raise HarvestError(f"ICAT+ gives {holder} parameters no vocabulary defines: {', '.join(unknown)}")
        made = (self.collector.parameter(holder, item.name, item.value) for item in items if item.name)
        return [parameter for parameter in made if parameter is not None]

    # ---- the publication

    def _publication(self, doi: str, datacite: dict[str, Any], collection: Ref) -> None:
        values: dict[str, Any] = {
            "pid": doi, "title": _title(datacite), "content": collection,
            "facility": Ref(self.collector.facility_id), "type": Ref(entity_id("dataPublicationType", "Dataset")),
            "dates": [Entity("dataPublicationDate", {"date": d["date"], "dateType": d["dateType"]})
                      for d in datacite.get("dates") or [] if d.get("date") and d.get("dateType")],
            "users": [self._creator(creator, order)
                      for order, creator in enumerate(datacite.get("creators") or [], start=1)],
        }
        descriptions = [d.get("description") for d in datacite.get("descriptions") or [] if d.get("description")]
        subjects = [s.get("subject") for s in datacite.get("subjects") or [] if s.get("subject")]
        optional = {"description": descriptions[0] if descriptions else None, "subject": "; ".join(subjects) or None,
                    "publicationDate": datacite.get("publicationYear")}
        values.update({k: str(v) for k, v in optional.items() if v})
        self.collector.add(Entity("dataPublication", values, entity_id("dataPublication", doi)))

    def _creator(self, creator: dict[str, Any], order: int) -> Entity:
        values: dict[str, Any] = {"orderKey": f"{order:03d}", "contributorType": "Creator",
                                  "fullName": creator.get("name") or ""}
        if creator.get("nameType") != "Organizational" and (creator.get("givenName") or creator.get("familyName")):
            given, family = creator.get("givenName"), creator.get("familyName")
            values.update({k: v for k, v in (("givenName", given), ("familyName", family)) if v})
            values["user"] = self._person(given or "", family or "", _orcid(creator))
        affiliations = [Entity("affiliation", {k: v for k, v in (("name", a.get("name")),
                                                                ("pid", a.get("affiliationIdentifier"))) if v})
                        for a in creator.get("affiliation") or [] if isinstance(a, dict) and a.get("name")]
        if affiliations:
            values["affiliations"] = affiliations
        return Entity("dataPublicationUser", values)

    def _person(self, given: str, family: str, orcid: str | None) -> Ref:
        full = f"{given} {family}".strip()
        login = f"orcid/{orcid}" if orcid else f"datacite/{full}"
        return self._user({"familyName": family, "fullName": full, "givenName": given, "name": login, "orcidId": orcid})


def _title(datacite: dict[str, Any]) -> str:
    """DataCite gives a list of titles; the ICAT+ client's model a single object."""
    titles = datacite["titles"]
    first = titles[0] if isinstance(titles, list) else titles
    return str(first.get("title", "")) if isinstance(first, dict) else str(first)


def _orcid(creator: dict[str, Any]) -> str | None:
    for identifier in creator.get("nameIdentifiers") or []:
        if str(identifier.get("nameIdentifierScheme", "")).upper() == "ORCID" and identifier.get("nameIdentifier"):
            return str(identifier["nameIdentifier"]).rstrip("/").rsplit("/", 1)[-1]
    return None


def _rights(entry: dict[str, Any]) -> str | None:
    """ESRF's DOI_rights form: 'name,identifier,URL'."""
    if not entry.get("rights"):
        return None
    return ",".join([entry["rights"], entry.get("rightsIdentifier") or "", entry.get("rightsUri") or ""])
