"""Build sites: gather and check every input first, then render, then swap in.

`build(options)` is what `atlasgen build` calls; tests call it directly.
"""

from __future__ import annotations

import gc
import hashlib
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from jinja2 import TemplateError

from builder.catalogue.records import Catalogue
from builder.config.sites import Site, find_sites, load_site
from builder.errors import AtlasError, BuildError, ConfigError, Location, Problem
from builder.memory.catalogue_cache import Source, cached_catalogue, file_digest
from builder.memory.fingerprint import code_fingerprint
from builder.memory.lookups import Lookups, Recorder
from builder.memory.manifest import MANIFEST_FILE, Manifest, ManifestError, read_manifest
from builder.memory.results import ResultCache
from builder.memory.site_memory import MemoryKeeper, read_memory, write_memory
from builder.progress import Progress
from builder.project import CACHE_FOLDER, DEFAULT_SNAPSHOT, Project
from builder.publish.output import OutputFolder
from builder.publish.published import read_published
from builder.render.doisite import atlas_links, landing_urls
from builder.render.drawing import Palette
from builder.render.environment import default_templates, make_environment, static_dirs, theme_dirs, theme_fonts
from builder.render.images import ImageCache
from builder.render.plan import SitePlan, plan_site
from builder.render.site import SharedInputs, SiteRenderer, Theme
from builder.render.siteimages import ImageSettings
from builder.render.templatecheck import check_templates, rendering_problem
from builder.views.collections import Collection, load_collection


@dataclass(frozen=True)
class BuildOptions:
    project: Path = Path(".")
    sites: tuple[str, ...] = ()  # empty: every site in site_config/
    snapshot: Path | None = None
    out: Path | None = None  # folder holding one folder per site
    quiet: bool = False
    cache: bool = True  # keep loaded catalogues in .cache/atlasgen/
    incremental: bool = True  # carry over the files of the previous site whose inputs are unchanged


@dataclass
class SiteReport:
    name: str
    output: Path
    pages: int
    files: int
    datasets: int
    dois: int
    images_processed: int = 0  # made in this build
    images_cached: int = 0  # found made in the cache
    images_seconds: float = 0.0
    rendered: int = 0  # files made by this build
    carried: int = 0  # files kept from the previous site, their inputs unchanged
    removed: int = 0  # files of the previous site this one no longer has
    pieces_kept: int = 0  # pages and DOI preparations kept from the previous build, their lookups unchanged
    pieces_made: int = 0
    warnings: list[Problem] = field(default_factory=list)  # things worth fixing that did not stop the build


@dataclass
class BuildReport:
    sites: list[SiteReport] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    catalogue_source: Source = Source.PARSED  # cached, updated from an earlier snapshot's, or parsed
    warnings: list[Problem] = field(default_factory=list)  # doubtful input of the whole build (snapshot, schemas)

    @property
    def all_warnings(self) -> list[Problem]:
        """The build's own warnings, then each site's."""
        return self.warnings + [warning for site in self.sites for warning in site.warnings]

    def as_json(self) -> dict:
        return {"seconds": round(self.seconds, 3), "timings": self.timings, "catalogue": self.catalogue_source.value,
                "warnings": [w.as_json() for w in self.all_warnings],
                "sites": [{"name": s.name, "output": str(s.output), "pages": s.pages, "files": s.files,
                           "datasets": s.datasets, "dois": s.dois, "rendered": s.rendered, "carried": s.carried,
                           "removed": s.removed, "pieces": {"kept": s.pieces_kept, "made": s.pieces_made},
                           "images": {"processed": s.images_processed, "cached": s.images_cached,
                                      "seconds": round(s.images_seconds, 3)},
                           "warnings": [str(w) for w in s.warnings]} for s in self.sites]}


def build(options: BuildOptions, log: Callable[[str], None] | None = None) -> BuildReport:
    """Build the chosen sites; raises AtlasError on bad input, leaving every old site as it was."""
    with _collector_paused():
        return _build(options, log or (lambda message: None))


@contextmanager
def _collector_paused():
    """A build makes millions of short-lived, acyclic objects: the cycle collector only slows it (about 2x)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class SiteBuild:
    """One site on its way through the build: the folder it is built in, what its published files were made from,
    then its memory, plan and renderer as the build comes to them."""

    site: Site
    output: OutputFolder  # swapped in for the published site at the end
    previous: Manifest | None  # the published site's manifest; None: every file is made again
    problems: list[Problem]  # why the published site's manifest is not trusted
    memory: MemoryKeeper | None = None  # what its last build made, and the memory this one makes
    plan: SitePlan | None = None
    renderer: SiteRenderer | None = None

    def report(self, incremental: bool) -> SiteReport:
        plan, renderer, memory, output = self.plan, self.renderer, self.memory, self.output
        assert plan is not None and renderer is not None and memory is not None
        images = renderer.images
        removed = set(self.previous.files) - set(output.hashes) if self.previous else set()
        return SiteReport(plan.site.name, output.target, plan.page_count, len(output.hashes),
                          len(plan.links.datasets), len(plan.dois), images.processed, images.cached,
                          images.seconds, len(output.hashes) - len(output.carried), len(output.carried),
                          len(removed), memory.carried_over_count, memory.made_count,
                          (self.problems if incremental else []) + renderer.warnings)


def _build(options: BuildOptions, log: Callable[[str], None]) -> BuildReport:
    started = time.perf_counter()
    project = Project(options.project)
    report = BuildReport()
    out_root = options.out or project.root / "site"
    builds = [_start_site(site, out_root / site.name, project, options.incremental)
              for site in _load_sites(project, options.sites)]
    try:
        _make_sites(options, project, builds, report, log)
    except BaseException:
        for build in builds:
            build.output.discard(in_background=True)
        raise
    report.sites = [build.report(options.incremental) for build in builds]
    report.seconds = time.perf_counter() - started
    return report


def _start_site(site: Site, folder: Path, project: Project, incremental: bool) -> SiteBuild:
    """The site's new folder starts as links to its published site, made while the catalogue and pages are
    worked out."""
    manifest, problems = _previous_manifest(folder, project)
    return SiteBuild(site, OutputFolder(folder, manifest if incremental else None, manifest=True), manifest, problems)


def _make_sites(options: BuildOptions, project: Project, builds: list[SiteBuild], report: BuildReport,
                log: Callable[[str], None]) -> None:
    """Load the catalogue, plan, render and publish every site into its output folder."""
    clock = _Clock(report)
    snapshot_path = options.snapshot or project.root / DEFAULT_SNAPSHOT
    with clock("catalogue"):
        cache_folder = project.root / CACHE_FOLDER if options.cache else None
        catalogue, report.catalogue_source = cached_catalogue(snapshot_path, cache_folder)
    log(f"snapshot {project.shown(snapshot_path)}: {len(catalogue.datasets)} datasets, "
        f"{len(catalogue.publications)} DOIs")
    # A cached catalogue may come from an identical file elsewhere: name the file given.
    report.warnings += [Problem(replace(p.location, path=project.shown(snapshot_path)), p.message)
                        for p in catalogue.problems]
    sites = [build.site for build in builds]
    with clock("plan"):
        every_site = _load_sites(project, ())
        atlases = [a for a in every_site if a.config.collections] \
            if any(s.config.doi_pages == "all" for s in sites) else []
        landing = next((s for s in every_site if s.config.doi_pages == "all"), None)
        collections = _load_collections(project, sites + atlases, catalogue)
        report.warnings += [warning for name in sorted(collections) for warning in collections[name].warnings]
        memories = project.root / CACHE_FOLDER / "sites" if options.cache else None
        for build in builds:
            build.memory = _memory_keeper(project, build, catalogue, memories, options)
            build.plan = plan_site(build.site, [collections[name] for name in build.site.config.collections],
                                   catalogue, read_published(build.output.target), build.memory)
        dataset_sites = atlas_links([(a, [collections[n] for n in a.config.collections]) for a in atlases], catalogue)
    results = ResultCache(project.root / CACHE_FOLDER / "results" if options.cache else None)
    with _image_cache(project, options.cache) as image_cache, clock("render"):
        shared = SharedInputs(catalogue, image_cache, results, dataset_sites,
                              landing_urls(landing, catalogue) if landing else {})
        for build in builds:
            build.renderer = _render(build, shared, project, options.quiet)
    with clock("publish"):
        for build in builds:
            build.output.publish(remove_old_in_background=True)
            if memories and build.memory is not None:
                write_memory(memories, build.site.name, build.memory.finish(build.output.manifest_text))


def _previous_manifest(folder: Path, project: Project) -> tuple[Manifest | None, list[Problem]]:
    """What the published site at `folder` was made from; a site without a trusted manifest is built in full."""
    try:
        return read_manifest(folder), []
    except ManifestError as error:
        where = Location(project.shown(folder / MANIFEST_FILE))
        return None, [Problem(where, f"{error}; building every file again")]


def _load_sites(project: Project, names: tuple[str, ...]) -> list[Site]:
    available = {path.stem: path for path in find_sites(project.site_config)}
    if not available:
        raise ConfigError(Problem(Location(project.shown(project.site_config)), "no site configs (*.yml) here"))
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ConfigError([Problem(Location(project.shown(project.site_config)),
                                   f"no site '{name}'; sites here: {', '.join(sorted(available))}")
                           for name in unknown])
    chosen = names or tuple(sorted(available))
    return _gather(lambda name: load_site(available[name], project.shown(available[name])), chosen)


def _load_collections(project: Project, sites: list[Site], catalogue: Catalogue) -> dict[str, Collection]:
    names = sorted({name for site in sites for name in site.config.collections})
    problems = []
    for site in sites:
        for index, name in enumerate(site.config.collections):
            if not (project.collections / f"{name}.yml").is_file():
                problems.append(site.document.problem(("collections", index), f"no file collections/{name}.yml"))
    if problems:
        raise ConfigError(problems)

    def load(name: str) -> Collection:
        path = project.collections / f"{name}.yml"
        return load_collection(path, catalogue, project.shown(path))

    return dict(zip(names, _gather(load, names)))


def _gather(load: Callable, names) -> list:
    """Load every item, collecting all errors instead of stopping at the first file."""
    loaded, problems = [], []
    for name in names:
        try:
            loaded.append(load(name))
        except AtlasError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
    return loaded


@contextmanager
def _image_cache(project: Project, keep: bool):
    """Made images live in .cache/atlasgen/images/ across builds; with the cache off, only for this build."""
    if keep:
        yield ImageCache(project.root / CACHE_FOLDER / "images")
        return
    folder = Path(tempfile.mkdtemp(prefix="atlasgen-images-"))
    try:
        yield ImageCache(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _memory_keeper(project: Project, build: SiteBuild, catalogue: Catalogue, memories: Path | None,
                   options: BuildOptions) -> MemoryKeeper:
    """What the site's previous build made, where the published site is what it made and is built upon."""
    manifest = build.previous
    usable = memories is not None and manifest is not None and options.incremental
    previous = read_memory(memories, build.site.name, manifest.digest) if usable else None  # type: ignore
    return MemoryKeeper(previous, _settings_fingerprint(project, build.site), Lookups(catalogue), Recorder())


def _settings_fingerprint(project: Project, site: Site) -> str:
    """Everything a site is made with besides the catalogue: atlasgen's code, every site's and collection's
    settings and help pages, the site's themes."""
    # Each folder of templates has its static files and fonts beside it (render/environment.py), an override too.
    themes = [folder for templates in _theme_dirs(project, site)
              for folder in (templates, templates.parent / "static", templates.parent / "fonts")]
    folders = [project.site_config, project.collections, *themes]
    digest = hashlib.sha256(code_fingerprint("builder.commands.build").encode())
    for index, folder in enumerate(folders):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                digest.update(f"{index}:{path.relative_to(folder)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def _render(build: SiteBuild, shared: SharedInputs, project: Project, quiet: bool) -> SiteRenderer:
    plan = build.plan
    assert plan is not None
    renderer = SiteRenderer(plan, _theme(build.site, project), build.output, shared, build.memory)
    with Progress(f"{plan.site.name}", plan.page_count, enabled=not quiet and sys.stderr.isatty()) as progress:
        try:
            renderer.render(progress.advance)
        except TemplateError as error:
            raise BuildError(rendering_problem(error, project.shown)) from None
    return renderer


def _theme(site: Site, project: Project) -> Theme:
    config = site.config
    dirs = _theme_dirs(project, site)
    fonts = theme_fonts(dirs)
    image_settings = ImageSettings(
        site_title=config.title, palette=Palette(config.branding.colour, config.branding.accent), fonts=fonts,
        font_digests=(file_digest(Path(fonts.regular)), file_digest(Path(fonts.bold))),
        root=site.source_path(config.images.root) if config.images.root else None, social=config.images.social,
        shown=project.shown)
    environment = make_environment(dirs)
    problems = check_templates(environment, dirs, default_templates(), project.shown)
    if problems:
        raise BuildError(problems)
    return Theme(environment, static_dirs(dirs), image_settings)


def _theme_dirs(project: Project, site: Site) -> list[Path]:
    config = site.config
    override = site.source_path(config.templates) if config.templates else None
    return theme_dirs(project.themes, config.theme, override, site.document.locate(("theme",)))


class _Clock:
    def __init__(self, report: BuildReport):
        self.report = report

    def __call__(self, name: str) -> "_Clock":
        self.name = name
        return self

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.report.timings[self.name] = self.report.timings.get(self.name, 0.0) + time.perf_counter() - self.started
