"""The publication year of a DOI: one function, read by every output (page, citations, exports, meta tags).

The year is the publication date's. A record without one gets a year only
where the site config's `landing.derived_year` says from which of its dates,
and whether outputs other than DataCite's (which needs a year) show it; with
no rule, no output invents a year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from builder.catalogue.records import Publication
from builder.config.sites import DerivedYear

ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?")


@dataclass(frozen=True)
class PublicationYear:
    year: int | None  # what DataCite's publicationYear says
    derived_from: str = ""  # the date type the year was taken from; "" for the publication date's
    shown: bool = True  # outputs other than DataCite's show it

    @property
    def cited(self) -> int | None:
        """The year of citations, pages, JSON-LD and meta tags."""
        return self.year if self.shown else None


def publication_year(publication: Publication, rule: DerivedYear | None) -> PublicationYear:
    if publication.publication_year:
        return PublicationYear(publication.publication_year)
    for kind in rule.date_types if rule else ():
        years = [int(value.rsplit("/", 1)[-1][:4]) for value, date_type in publication.dates
                 if date_type == kind and is_date(value)]
        if years:  # the latest: a DOI is not published before its data are collected or made available
            return PublicationYear(max(years), kind, rule.shown_in == "everywhere")
    return PublicationYear(None)


def is_date(value: str) -> bool:
    """An ISO 8601 year, year-month, date or date-time, or a range of two of them ('2020-01/2020-03')."""
    return bool(value) and all(_is_single_date(part) for part in value.split("/", 1))


def _is_single_date(value: str) -> bool:
    if not ISO_DATE.fullmatch(value):
        return False
    if len(value) <= 7:
        return len(value) == 4 or 1 <= int(value[5:]) <= 12
    try:
        (date if len(value) == 10 else datetime).fromisoformat(value)
    except ValueError:  # a day or hour that does not exist
        return False
    return True
