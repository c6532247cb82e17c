"""The "Cite" panel of dataset and DOI pages: every citation style, BibTeX and RIS, with one year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from builder.catalogue.records import Publication
from builder.render import bibliographic
from builder.render.citation import datacite_citation
from builder.render.citestyles import StyledCitation
from builder.render.years import PublicationYear


@dataclass(frozen=True)
class CiteText:
    key: str  # names the text's element on the page: "datacite", a CSL style, "bibtex", "ris"
    label: str
    text: str
    code: bool = False  # a file's text (BibTeX, RIS), shown as it is


@dataclass(frozen=True)
class CitePanel:
    year: PublicationYear
    texts: tuple[CiteText, ...]

    @property
    def year_note(self) -> str:
        """Where the year comes from, when it is not the publication date's."""
        if self.year.derived_from and self.year.shown:
            return f"The catalogue records no publication date: the year is that of the {self.year.derived_from} date."
        return "" if self.year.year and self.year.shown else "The catalogue records no publication year."


def cite_panel(publication: Publication, year: PublicationYear, styled: Sequence[StyledCitation]) -> CitePanel:
    cited = year.cited
    texts = [CiteText("datacite", "DataCite (recommended)", datacite_citation(publication, cited))]
    texts += [CiteText(item.style, item.label, item.text) for item in styled]
    texts += [CiteText("bibtex", "BibTeX", bibliographic.bibtex(publication, cited).rstrip("\n"), True),
              CiteText("ris", "RIS", bibliographic.ris(publication, cited).replace("\r\n", "\n").rstrip("\n"), True)]
    return CitePanel(year, tuple(texts))
