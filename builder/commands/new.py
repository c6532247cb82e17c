"""`atlasgen new collection` and `atlasgen new site`: start a collection or a site from what a snapshot holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.catalogue.inventory import summarise
from builder.config.validation import suggest
from builder.errors import ConfigError, Location, Problem
from builder.memory.catalogue_cache import cached_catalogue
from builder.project import CACHE_FOLDER, DEFAULT_SNAPSHOT, Project
from builder.views.scaffold import Draft, collection_yaml, site_yaml

NAME_RULE = "letters, digits, '-' and '_', starting with a letter or digit"


@dataclass(frozen=True)
class NewOptions:
    name: str
    project: Path = Path(".")
    snapshot: Path | None = None
    technique: str | None = None  # only the datasets of this technique
    instrument: str | None = None  # only the datasets of this instrument (beamline)
    collections: tuple[str, ...] = ()  # of a new site (default: the collection of its name, if there is one)
    force: bool = False  # replace a file that exists


def new_collection(options: NewOptions) -> Path:
    """Write collections/NAME.yml; returns its path."""
    project = Project(options.project)
    target = _target(project, project.collections, options)
    snapshot = options.snapshot or project.root / DEFAULT_SNAPSHOT
    catalogue, _ = cached_catalogue(snapshot, project.root / CACHE_FOLDER)
    datasets = list(catalogue.datasets.values())
    select = {}
    for rule, wanted, names_of in (("techniques", options.technique, lambda d: {t.name for t in d.techniques}),
                                   ("instruments", options.instrument, lambda d: {i.name for i in d.instruments})):
        if wanted is None:
            continue
        present = set().union(*(names_of(d) for d in datasets))
        if wanted not in present:
            raise ConfigError(Problem(Location(project.shown(snapshot)),
                                      f"no dataset has the {rule[:-1]} '{wanted}'{suggest(wanted, present)}; "
                                      f"{rule} here: {', '.join(sorted(present)) or 'none'}"))
        datasets = [d for d in datasets if wanted in names_of(d)]
        select[rule] = [wanted]
    if not datasets:
        raise ConfigError(Problem(Location(project.shown(snapshot)), "the snapshot has no dataset"))
    draft = Draft(name=options.name, select=select, datasets=len(datasets),
                  parameters=summarise(datasets, catalogue.parameter_types),
                  instruments=len({i.name for d in datasets for i in d.instruments}),
                  techniques=len({t.name for d in datasets for t in d.techniques}), source=project.shown(snapshot))
    return _write(target, collection_yaml(draft))


def new_site(options: NewOptions) -> Path:
    """Write site_config/NAME.yml showing the given collections; returns its path."""
    project = Project(options.project)
    target = _target(project, project.site_config, options)
    collections = list(options.collections)
    if not collections and (project.collections / f"{options.name}.yml").is_file():
        collections = [options.name]
    missing = [name for name in collections if not (project.collections / f"{name}.yml").is_file()]
    if missing or not collections:
        what = f"no file collections/{missing[0]}.yml" if missing else \
            f"no collections/{options.name}.yml; name the site's collections with --collection"
        raise ConfigError(Problem(Location(project.shown(project.collections)), what))
    return _write(target, site_yaml(options.name, collections))


def _target(project: Project, folder: Path, options: NewOptions) -> Path:
    name = options.name
    if not name or not (name[0].isalnum() and all(c.isalnum() or c in "-_" for c in name)):
        raise ConfigError(Problem(Location(name or "''"), f"not a usable name: {NAME_RULE}"))
    target = folder / f"{name}.yml"
    if target.exists() and not options.force:
        raise ConfigError(Problem(Location(project.shown(target)), "exists already; give --force to replace it"))
    return target


def _write(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
