"""Export every DOI's DataCite record as files: `<out>/<prefix>/<suffix>.xml` and `.json`.

Every record is built and checked before anything is written; the files go
into a fresh folder that then replaces `out` whole, so an interrupted export
changes nothing and a DOI whose record is invalid has no file at all.
`export_datacite(options)` is what `atlasgen export datacite` calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from builder.catalogue.records import Catalogue, Publication
from builder.config.sites import DerivedYear, find_sites, load_site
from builder.errors import ConfigError, Location, Problem
from builder.memory.catalogue_cache import cached_catalogue
from builder.project import CACHE_FOLDER, DEFAULT_SNAPSHOT, Project
from builder.publish.output import OutputFolder
from builder.render.datacite import DataciteProblem, datacite_json, datacite_problems, datacite_record, datacite_xml
from builder.render.years import publication_year
from builder.views.collections import load_collection

DEFAULT_OUT = "exports/datacite"


@dataclass(frozen=True)
class ExportOptions:
    project: Path = Path(".")
    out: Path | None = None  # default: <project>/exports/datacite
    collection: str | None = None  # only the DOIs of this collection's datasets
    snapshot: Path | None = None  # default: the embedded snapshot
    cache: bool = True  # keep loaded catalogues in .cache/atlasgen/
    site: str | None = None  # the site whose `landing.derived_year` applies; default: the DOI site


@dataclass(frozen=True)
class ExportReport:
    output: Path
    exported: tuple[str, ...]  # DOIs with files
    invalid: tuple[str, ...]  # DOIs without files: their records cannot be valid
    problems: tuple[DataciteProblem, ...]  # of both: those of exported DOIs were left out of their files
    derived_years: tuple[tuple[str, int, str], ...] = ()  # (DOI, year, the date type it was taken from)
    year_rule: str = ""  # where the rule is: 'site_config/doi.yml'

    def as_json(self) -> dict:
        return {"output": str(self.output), "valid": len(self.exported), "invalid": list(self.invalid),
                "problems": [{"doi": p.doi, "path": p.path, "message": p.message, "left_out": p.left_out}
                             for p in self.problems],
                "derived_years": [{"doi": doi, "year": year, "from": kind} for doi, year, kind in self.derived_years]}


def doi_file_stem(doi: str) -> str:
    """'10.15151/ESRF-DC-1' -> '10.15151/ESRF-DC-1'; the suffix is percent-encoded to one safe file name.

    Letters, digits and `-._~` stay; anything else (`/`, `:`, `<`, spaces,
    `%`, non-ASCII) becomes %XX of its UTF-8 bytes, as does a leading dot, so
    two DOIs never share a file and no name is hidden or leaves its folder.
    """
    prefix, _, suffix = doi.partition("/")
    return f"{_file_name(prefix)}/{_file_name(suffix)}"


def _file_name(text: str) -> str:
    name = quote(text, safe="")
    return "%2E" + name[1:] if name.startswith(".") else name


def export_datacite(options: ExportOptions) -> ExportReport:
    """Write the DataCite XML and JSON of every valid DOI; raises AtlasError on a bad snapshot or collection."""
    project = Project(options.project)
    snapshot = options.snapshot or project.root / DEFAULT_SNAPSHOT
    cache_folder = project.root / CACHE_FOLDER if options.cache else None
    rule_file, rule = _year_rule(project, options.site)
    catalogue, _ = cached_catalogue(snapshot, cache_folder)
    files: dict[str, str] = {}
    exported, invalid, problems, derived = [], [], [], []
    for publication in _chosen(catalogue, project, options.collection):
        year = publication_year(publication, rule)
        if year.derived_from:
            derived.append((publication.doi, year.year, year.derived_from))
        record = datacite_record(publication, [catalogue.datasets[key] for key in publication.dataset_keys], year)
        found = datacite_problems(publication, record)
        problems += found
        if any(not problem.left_out for problem in found):
            invalid.append(publication.doi)
            continue
        exported.append(publication.doi)
        stem = doi_file_stem(publication.doi)
        files[f"{stem}.xml"] = datacite_xml(record)
        files[f"{stem}.json"] = datacite_json(record)
    output = OutputFolder(options.out or project.root / DEFAULT_OUT)
    try:
        for relative in sorted(files):
            output.write(relative, files[relative])
        output.publish()
    except BaseException:
        output.discard()
        raise
    return ExportReport(output.target, tuple(exported), tuple(invalid), tuple(problems), tuple(derived), rule_file)


def _year_rule(project: Project, name: str | None) -> tuple[str, DerivedYear | None]:
    """The site config whose `landing.derived_year` gives years to DOIs without a publication date, and the rule:
    the named site's, else the DOI site's (`doi_pages: all`); none without one."""
    paths = {path.stem: path for path in find_sites(project.site_config)}
    if name is not None and name not in paths:
        raise ConfigError(Problem(Location(project.shown(project.site_config)),
                                  f"no site '{name}'; sites here: {', '.join(sorted(paths))}"))
    sites = [load_site(paths[name], project.shown(paths[name]))] if name else \
        [load_site(path, project.shown(path)) for path in paths.values()]
    chosen = next((site for site in sites if name or site.config.doi_pages == "all"), None)
    if chosen is None:
        return "", None
    return project.shown(paths[chosen.name]), chosen.config.landing.derived_year


def _chosen(catalogue: Catalogue, project: Project, collection: str | None) -> list[Publication]:
    """Every publication, or those holding a dataset of the collection; in DOI order."""
    if collection is None:
        return list(catalogue.publications.values())
    path = project.collections / f"{collection}.yml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in project.collections.glob("*.yml")))
        raise ConfigError(Problem(Location(project.shown(project.collections)),
                                  f"no collection '{collection}'; collections here: {known}"))
    keys = load_collection(path, catalogue, project.shown(path)).keys
    dois = {doi for key in keys for doi in catalogue.datasets[key].doi_list}
    return [publication for doi, publication in catalogue.publications.items() if doi in dois]
