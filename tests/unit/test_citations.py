"""Citations that read right: author-less works, BibTeX names as BibTeX splits them, BibTeX's fields."""

from __future__ import annotations

import re

import bibtexparser
import pytest
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.snapshot import read_snapshot
from builder.render.bibliographic import bibtex, csl_item
from builder.render.citation import datacite_citation
from builder.render.citestyles import render_citation
from tests.conftest import SNAPSHOT

BURROW = "10.15151/ESRF-DC-1634314047"  # no creators
TITLE = "burrow BP1-5558 Thrinaxodon Broomistega"
STYLES = ["apa", "chicago-author-date", "harvard-cite-them-right", "ieee", "modern-language-association",
          "nlm-citation-sequence"]


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


def test_an_author_less_doi_is_cited_title_first_in_datacite_form(catalogue):
    text = datacite_citation(catalogue.publications[BURROW], 2013)
    assert text == (f"{TITLE}. (2013). European Synchrotron Radiation Facility. Dataset. "
                    f"https://doi.org/{BURROW}")


@pytest.mark.parametrize("style", STYLES)
def test_an_author_less_doi_shows_its_title_once_in_every_style(catalogue, style):
    text = render_citation(style, csl_item(catalogue.publications[BURROW], 2013))
    assert len(re.findall(re.escape(TITLE), text, re.IGNORECASE)) == 1, text
    assert "2013" in text and "European Synchrotron Radiation Facility" in text
    assert text.lower().startswith(("burrow", "“burrow")), text  # the title stands where the authors would


@pytest.mark.parametrize("style", ["apa", "chicago-author-date", "modern-language-association"])
def test_a_doi_with_creators_still_shows_its_title_and_type(catalogue, style):
    heart = catalogue.publications["10.15151/ESRF-DC-1634390196"]
    text = render_citation(style, csl_item(heart, 2022))
    assert "19.85um" in text and "Dataset" in text and text.count("19.85um") == 1


def test_every_creator_of_the_snapshot_survives_bibtex_name_splitting(catalogue):
    checked = set()
    for publication in catalogue.publications.values():
        library = bibtexparser.parse_string(bibtex(publication, None),
                                            append_middleware=[SeparateCoAuthors(), SplitNameParts()])
        names = library.entries[0].fields_dict["author"].value if publication.creators else []
        assert len(names) == len(publication.creators), publication.doi
        for person, name in zip(publication.creators, names):
            checked.add(person)
            if person.is_organisation or not person.family_name:
                assert (name.first, name.von, name.last, name.jr) == ([], [], ["{" + person.name + "}"], []), person
                continue
            assert " ".join(name.von + name.last) == person.family_name, person
            assert " ".join(name.first) == (person.given_name or ""), person
            assert not re.match(r"^[A-Z]\.", person.family_name), person  # an initial is the given name's
    assert len(checked) > 100


def test_a_middle_initial_written_before_the_family_name_is_the_given_names(catalogue):
    people = {p.name: p for publication in catalogue.publications.values() for p in publication.creators}
    kuhnel = people["Mark P. Kuhnel"]
    assert (kuhnel.given_name, kuhnel.family_name) == ("Mark P.", "Kuhnel")


def test_a_bibtex_entry_has_the_fields_a_dataset_entry_reads(catalogue):
    heart = catalogue.publications["10.15151/ESRF-DC-1634390196"]
    (entry,) = bibtexparser.parse_string(bibtex(heart, 2022)).entries
    assert entry.entry_type == "misc"
    assert {key: entry[key] for key in ("year", "doi", "url", "publisher")} == {
        "year": "2022", "doi": heart.doi, "url": f"https://doi.org/{heart.doi}",
        "publisher": "European Synchrotron Radiation Facility"}
    (no_year,) = bibtexparser.parse_string(bibtex(heart, None)).entries
    assert "year" not in no_year.fields_dict
