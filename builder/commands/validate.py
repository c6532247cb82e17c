"""Check every config against its model and against the snapshot, without building anything.

`atlasgen validate` reports what a build would stop at (errors) and what builds but is likely a mistake
(warnings, see `views/findings.py`), every one with file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from builder.config.sites import Site, find_sites, load_site
from builder.errors import AtlasError, Location, Problem
from builder.memory.catalogue_cache import cached_catalogue
from builder.project import CACHE_FOLDER, DEFAULT_SNAPSHOT, Project
from builder.views.collections import load_collection
from builder.views.findings import collection_findings


@dataclass(frozen=True)
class ValidateOptions:
    project: Path = Path(".")
    sites: tuple[str, ...] = ()  # empty: every site and every collection of the project
    snapshot: Path | None = None
    cache: bool = True


@dataclass
class ValidateReport:
    checked: list[str] = field(default_factory=list)  # the files, as shown in messages
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"checked": self.checked, "errors": [p.as_json() for p in self.errors],
                "warnings": [p.as_json() for p in self.warnings]}


def validate(options: ValidateOptions) -> ValidateReport:
    """Every chosen site and the collections it shows; a broken snapshot raises SnapshotError."""
    project = Project(options.project)
    report = ValidateReport()
    snapshot = options.snapshot or project.root / DEFAULT_SNAPSHOT
    catalogue, _ = cached_catalogue(snapshot, project.root / CACHE_FOLDER if options.cache else None)
    sites = _sites(project, options.sites, report)
    used = {name for site in sites for name in site.config.collections}
    for site in sites:
        report.errors += [site.document.problem(("collections", index), f"no file collections/{name}.yml")
                          for index, name in enumerate(site.config.collections)
                          if not (project.collections / f"{name}.yml").is_file()]
    paths = sorted(project.collections.glob("*.yml")) if not options.sites else \
        [project.collections / f"{name}.yml" for name in sorted(used)]
    for path in paths:
        if not path.is_file():
            continue
        shown = project.shown(path)
        report.checked.append(shown)
        try:
            collection = load_collection(path, catalogue, shown)
        except AtlasError as error:
            report.errors += error.problems
            continue
        report.warnings += list(collection.warnings) + collection_findings(collection, catalogue)
        if sites and path.stem not in used and not options.sites:
            report.warnings.append(Problem(Location(shown), "no site shows this collection "
                                                            "(no site config lists it under 'collections')"))
    return report


def _sites(project: Project, names: tuple[str, ...], report: ValidateReport) -> list[Site]:
    available = {path.stem: path for path in find_sites(project.site_config)}
    for name in names:
        if name not in available:
            report.errors.append(Problem(Location(project.shown(project.site_config)),
                                         f"no site '{name}'; sites here: {', '.join(sorted(available)) or 'none'}"))
    sites = []
    for name in names or sorted(available):
        if name not in available:
            continue
        shown = project.shown(available[name])
        report.checked.append(shown)
        try:
            sites.append(load_site(available[name], shown))
        except AtlasError as error:
            report.errors += error.problems
    return sites
