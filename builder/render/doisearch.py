"""The search over a site's DOIs: its list of every DOI is an explore page, searched and filtered in the
browser like a collection, by the collections, years, beamlines, techniques and licences its DOIs cover.

Withdrawn DOIs are listed too, after the others, with no facet values but their year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from markupsafe import escape

from builder.catalogue.records import Catalogue, Publication
from builder.render import context as ctx
from builder.render import search
from builder.render.urls import url_path
from builder.views.shaping import Row

INDEX_FOLDER = "search/dois/"
BOOSTS = {"title": 10.0, "doi": 8.0, "creators": 4.0, "keywords": 3.0, "abstract": 1.0}
FACETS = {"collection": "Collection", "year": "Year", "beamline": "Beamline", "technique": "Technique",
          "licence": "Licence"}
SHOWN = ("collection", "beamline")  # besides the year, on a card and as list columns
PLACEHOLDER = "Search DOIs by title, author, keyword or DOI… e.g. heart, 10.15151"
SORTS = {"newest": ("Newest first", True), "title": ("Title", False), "doi": ("DOI", False)}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class DoiDocument:
    """One DOI as the search and the list show it."""

    doi: str
    title: str
    path: str
    date: str  # its publication date, for sorting
    values: Mapping[str, tuple[str, ...]]  # facet -> its values
    text: Mapping[str, str]  # searched field -> text
    withdrawn: bool = False

    @property
    def rows(self) -> tuple[Row, ...]:
        shown = [("year", "Year")] + [(name, FACETS[name]) for name in SHOWN]
        rows = [_row(label, ", ".join(self.values[name])) for name, label in shown if self.values[name]]
        return tuple(rows + ([_row("Status", "withdrawn")] if self.withdrawn else []))

    @property
    def cells(self) -> list[str]:
        return [self.doi, *(", ".join(self.values[name]) for name in ("year", *SHOWN))]


def _row(label: str, text: str) -> Row:
    return Row(label.lower(), label, text, escape(label), escape(text))


def doi_document(publication: Publication, path: str, catalogue: Catalogue,
                 collections_of: Callable[[str], Sequence[str]], year: int | None) -> DoiDocument:
    """`year`: its publication year, or the one the site derives from its other dates."""
    datasets = [catalogue.datasets[key] for key in publication.dataset_keys if key in catalogue.datasets]
    values = {
        "collection": tuple(sorted({title for key in publication.dataset_keys for title in collections_of(key)})),
        "year": (str(year),) if year else (),
        "beamline": tuple(sorted({i.name for d in datasets for i in d.instruments})),
        "technique": tuple(sorted({t.name for d in datasets for t in d.techniques})),
        "licence": (publication.licence.name,) if publication.licence and publication.licence.name else (),
    }
    text = {"title": publication.title, "doi": publication.doi, "abstract": publication.description or "",
            "creators": "; ".join(person.name for person in publication.creators),
            "keywords": ", ".join(publication.keywords)}
    return DoiDocument(publication.doi, publication.title, path, publication.publication_date or "", values, text)


def withdrawn_document(doi: str, title: str, year: str, path: str) -> DoiDocument:
    values = {name: () for name in FACETS} | {"year": (year,) if year else ()}
    return DoiDocument(doi, title, path, year, values, {"title": title, "doi": doi}, withdrawn=True)


def ordered(documents: Sequence[DoiDocument]) -> list[DoiDocument]:
    """The default order: current DOIs newest first, then the withdrawn ones; ties by DOI."""
    return sorted(documents, key=lambda d: (d.withdrawn, -int(d.values["year"][0]) if d.values["year"] else 0,
                                            d.doi))


def index_files(documents: Sequence[DoiDocument]) -> dict[str, str]:
    """The search index of the DOIs (in the default order): relative path -> JSON text."""
    found = [search.SearchDocument({field: text for field, text in d.text.items() if text},
                                   search.card_data(url_path(d.path), d.title, d.rows, "", None, d.doi, d.cells))
             for d in documents]
    years = sorted({year for d in documents for year in d.values["year"]}, reverse=True)
    facets = [search.facet_column(name, label, "terms", "", 8, 2, [d.values[name] for d in documents],
                                  order=years if name == "year" else ())
              for name, label in FACETS.items()]
    sort_values = {"newest": lambda d: (d.date,) if d.date else (), "title": lambda d: (d.title,),
                   "doi": lambda d: (d.doi,)}
    sorts = [search.sort_column(key, label, [sort_values[key](d) for d in documents], descending)
             for key, (label, descending) in SORTS.items()]
    columns = [{"label": "Title", "sort": "title"}, {"label": "DOI", "sort": "doi"},
               {"label": "Year", "sort": "newest"}] + [{"label": FACETS[name], "sort": None} for name in SHOWN]
    extra = {"title": "DOIs", "searchPlaceholder": PLACEHOLDER, "table": {"columns": columns}}
    return {INDEX_FOLDER + path: text for path, text in
            search.index_files(found, BOOSTS, facets, sorts, DEFAULT_SORT, extra).items()}


def static_facets(documents: Sequence[DoiDocument]) -> tuple[ctx.StaticFacet, ...]:
    """Counts over every DOI, shown where JavaScript does not run."""
    facets = []
    for name, label in FACETS.items():
        counts: dict[str, int] = {}
        for document in documents:
            for value in document.values[name]:
                counts[value] = counts.get(value, 0) + 1
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:8]
        if top:
            facets.append(ctx.StaticFacet(label, tuple(ctx.FacetCount(value, count) for value, count in top)))
    return tuple(facets)


def card(document: DoiDocument) -> ctx.Card:
    return ctx.Card(path=url_path(document.path), title=document.title, rows=document.rows, text="",
                    subtitle=document.doi)
