"""Incremental builds: the real HOA snapshot changed as a harvest would change it, rebuilt over the previous site.

Each case compares the incremental site with a full build of the same inputs
into an empty folder, byte for byte, and reads the files' inode numbers to
see which ones were carried over (the same inode: hard-linked from the
previous site) and which were written again.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from lxml import etree

from builder.cli import main
from builder.commands.build import BuildOptions, BuildReport, SiteReport, build
from builder.memory.catalogue_cache import Source
from builder.memory.manifest import MANIFEST_FILE
from builder.project import CACHE_FOLDER
from builder.render.environment import builtin_themes
from tests.conftest import REPO, SNAPSHOT
from tests.integration.test_bad_input import break_file, left_in
from tests.integration.test_build_hoa import tree_hashes

KNOWN = "A109_lung_VOI-02b_4.14um_bm18"  # a zoom of donor A109's lung, with its own DOI
KNOWN_DOI = "10.15151/ESRF-DC-2317551834"
UNRELATED = "S-20-29_brain_VOI-04_6.5um_bm05"  # another donor, another organ
NEW = "A109_lung_VOI-02z_4.14um_bm18"
NEW_DOI = "10.15151/ESRF-DC-9999999999"


# ---------------------------------------------------------------- snapshot edits, on the XML


def _entities_of(root: etree._Element, name: str, doi: str) -> list[etree._Element]:
    """The dataset `name`, its datafiles, and the collection and publication of `doi`."""
    wanted = {f"Dataset_{name}", f"DataCollection_{doi.replace('/', '_')}"}
    found = []
    for element in root.iterfind("data/*"):
        text = etree.tostring(element, encoding="unicode")
        if element.get("id") in wanted or any(f'ref="{ref}"' in text for ref in wanted if ref.startswith("Data")):
            if element.tag in ("dataset", "datafile", "dataCollection", "dataPublication"):
                found.append(element)
    assert {e.tag for e in found} == {"dataset", "datafile", "dataCollection", "dataPublication"}, found
    return found


def snapshot_with_copy(target: Path, source: Path = SNAPSHOT) -> Path:
    """The snapshot with one more dataset and DOI: a copy of KNOWN under a new name and DOI."""
    tree = etree.parse(str(source))
    root = tree.getroot()
    data = root.findall("data")[-1]
    old_doi_id, new_doi_id = KNOWN_DOI.split("/")[1], NEW_DOI.split("/")[1]
    for element in _entities_of(root, KNOWN, KNOWN_DOI):
        text = etree.tostring(element, encoding="unicode").replace(KNOWN, NEW).replace(old_doi_id, new_doi_id)
        data.append(etree.fromstring(text.replace("VOI-02b", "VOI-02z")))
    return _written(tree, target)


def snapshot_without(target: Path, name: str = KNOWN, doi: str = KNOWN_DOI) -> Path:
    tree = etree.parse(str(SNAPSHOT))
    root = tree.getroot()
    for element in _entities_of(root, name, doi):
        element.getparent().remove(element)
    return _written(tree, target)


def snapshot_with_description(target: Path, name: str, description: str) -> Path:
    tree = etree.parse(str(SNAPSHOT))
    dataset = next(d for d in tree.getroot().iterfind("data/dataset") if d.findtext("name") == name)
    dataset.find("description").text = description
    return _written(tree, target)


def snapshot_with_units(target: Path, parameter: str, units: str) -> Path:
    tree = etree.parse(str(SNAPSHOT))
    found = next(e for e in tree.getroot().iterfind("data/parameterType") if e.findtext("name") == parameter)
    found.find("units").text = units
    return _written(tree, target)


def _written(tree: etree._ElementTree, target: Path) -> Path:
    """Written indented as write_snapshot writes, so that a build loads it by updating the cached catalogue."""
    etree.indent(tree.getroot(), space="  ")
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return target


# ---------------------------------------------------------------- builds


def run(project: Path, out: Path, snapshot: Path, incremental: bool = True) -> BuildReport:
    return build(BuildOptions(project=project, sites=("hoa",), snapshot=snapshot, out=out, quiet=True,
                              incremental=incremental))


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def first_site(tmp_path_factory) -> Path:
    """The HOA site built once from the embedded snapshot; each test rebuilds over a copy of it."""
    first = tmp_path_factory.mktemp("first")
    for name in ("collections", "site_config"):
        shutil.copytree(REPO / name, first / name)
    run(first, first / "out", SNAPSHOT)
    return first


@pytest.fixture
def previous(first_site, project, tmp_path) -> Path:
    """A private copy of the first site (new inodes), as the published site of the next build, with what the
    first build kept in its cache for the next one."""
    out = tmp_path / "out"
    shutil.copytree(first_site / "out" / "hoa", out / "hoa")
    shutil.copytree(first_site / CACHE_FOLDER, project / CACHE_FOLDER)
    return out


class Rebuilt(NamedTuple):
    site: SiteReport  # of the incremental build
    full: SiteReport  # of the full build of the same inputs
    written: set[str]  # files with a new inode
    gone: set[str]
    catalogue: Source  # where the incremental build's catalogue came from


def rebuilt(project: Path, previous: Path, snapshot: Path, tmp_path: Path) -> Rebuilt:
    """Rebuild over `previous` incrementally, and over a copy of it in full; the two sites must be equal.

    The full build starts from the same published site because a site keeps what it published (its DOIs'
    tombstones); only the files carried over may differ, and must not.
    """
    before = inodes(previous / "hoa")
    shutil.copytree(previous / "hoa", tmp_path / "full" / "hoa")
    report = run(project, previous, snapshot)
    full = run(project, tmp_path / "full", snapshot, incremental=False)
    assert tree_hashes(previous / "hoa") == tree_hashes(tmp_path / "full" / "hoa")
    after = inodes(previous / "hoa")
    written = {path for path, inode in after.items() if before.get(path) != inode}
    return Rebuilt(report.sites[0], full.sites[0], written, before.keys() - after.keys(), report.catalogue_source)


def test_a_new_dataset_and_doi_write_their_pages_and_carry_over_the_rest(project, previous, tmp_path):
    site, full, written, gone, catalogue = rebuilt(project, previous, snapshot_with_copy(tmp_path / "new.xml"),
                                                   tmp_path)
    assert catalogue is Source.UPDATED  # only the new entities were parsed
    assert site.pieces_made < 20 < site.pieces_kept  # the new pages and their neighbours worked out, no others
    assert f"datasets/{NEW}/index.html" in written
    assert f"doi/{NEW_DOI}/index.html" in written
    assert f"datasets/{UNRELATED}/index.html" not in written
    new_files = {path for path in written if path.startswith(f"doi/{NEW_DOI}/")}
    assert {f"doi/{NEW_DOI}/linkset.json", f"doi/{NEW_DOI}/datacite.json"} <= new_files  # its exports too
    known_files = {path for path in inodes(previous / "hoa") if path.startswith(f"doi/{KNOWN_DOI}/")}
    assert len(known_files) == len(new_files) > 2 and not known_files & written  # an unrelated DOI's are carried
    assert gone == set()
    assert site.files == full.files == len(inodes(previous / "hoa")) - 1  # the manifest is not counted
    assert site.removed == 0
    assert site.carried + site.rendered == site.files
    assert full.rendered == full.files and full.carried == 0
    # new pages, their neighbours (same donor, same organ), explore pages, search shards, sitemap: not the rest
    assert site.rendered == len(written) - 1 < site.files // 5  # the manifest is always written
    assert site.carried > site.files * 4 // 5


def test_a_vanished_dataset_loses_its_pages_and_its_doi_keeps_a_tombstone(project, previous, tmp_path):
    site, _, written, gone, *_ = rebuilt(project, previous, snapshot_without(tmp_path / "fewer.xml"), tmp_path)
    assert f"datasets/{KNOWN}/index.html" in gone
    assert not (previous / "hoa" / "datasets" / KNOWN).exists()
    assert f"doi/{KNOWN_DOI}/index.html" in written
    assert "withdrawn" in (previous / "hoa" / "doi" / KNOWN_DOI / "index.html").read_text().lower()
    assert site.removed == len(gone) > 0
    assert f"datasets/{UNRELATED}/index.html" not in written


def test_a_changed_title_rewrites_the_pages_that_show_it(project, previous, tmp_path):
    snapshot = snapshot_with_description(tmp_path / "retitled.xml", KNOWN, "A retitled zoom of a lung")
    site, _, written, _, *_ = rebuilt(project, previous, snapshot, tmp_path)
    showing = {path for path in inodes(previous / "hoa") if path.endswith(".html")
               and "A retitled zoom of a lung" in (previous / "hoa" / path).read_text()}
    assert f"datasets/{KNOWN}/index.html" in showing
    assert f"doi/{KNOWN_DOI}/index.html" in showing
    assert showing <= written
    written_pages = {path for path in written if path.endswith(".html")}
    assert written_pages == showing  # a page that does not show the title is carried over
    assert site.carried > site.files * 4 // 5


def test_changed_units_of_a_parameter_remake_the_pages_that_show_them(project, previous, tmp_path):
    page = previous / "hoa" / "datasets" / KNOWN / "index.html"
    assert "keV</dd>" in page.read_text()
    snapshot = snapshot_with_units(tmp_path / "units.xml", "TOMOAcquisition_energy", "kiloelectronvolts")
    site, _, written, _, _ = rebuilt(project, previous, snapshot, tmp_path)
    assert "kiloelectronvolts</dd>" in page.read_text()
    assert f"datasets/{KNOWN}/index.html" in written
    assert site.pieces_kept == 0  # units are looked up once for every view: nothing is kept


def test_a_changed_template_remakes_every_page(project, previous, tmp_path):
    (project / "site_config/templates").mkdir()
    (project / "site_config/templates/404.html").write_text(
        '{% extends "default:404.html" %}\n{# a curator\'s override #}\n')
    hoa = project / "site_config/hoa.yml"
    hoa.write_text(hoa.read_text() + "templates: templates\n")
    _, _, written, _, *_ = rebuilt(project, previous, SNAPSHOT, tmp_path)
    pages = {path for path in inodes(previous / "hoa") if path.endswith(".html")}
    assert pages <= written


def test_a_changed_collection_label_remakes_the_pages_that_show_it(project, previous, tmp_path):
    page = previous / "hoa" / "datasets" / KNOWN / "index.html"
    assert "Beamline" in page.read_text()
    break_file(project / "collections/hoa.yml", "label: Beamline", "label: Beam line")
    _, _, written, _, *_ = rebuilt(project, previous, SNAPSHOT, tmp_path)
    assert "Beam line" in page.read_text()
    assert f"datasets/{KNOWN}/index.html" in written
    assert "404.html" not in written


def test_a_curators_stylesheet_is_published_and_its_changes_reach_every_page(project, previous, tmp_path):
    """Templates outside site_config/ with a static folder beside them whose atlas.css replaces the theme's."""
    overrides = project / "overrides"
    (overrides / "templates").mkdir(parents=True)
    (overrides / "static/css").mkdir(parents=True)
    stylesheet = overrides / "static/css/atlas.css"
    stylesheet.write_text((builtin_themes() / "default/static/css/atlas.css").read_text() + "/* the curator's */\n")
    hoa = project / "site_config/hoa.yml"
    hoa.write_text(hoa.read_text() + "templates: ../overrides/templates\n")
    published = previous / "hoa/static/css/atlas.css"
    for attempt in ("first", "again"):  # the second build keeps what the first made: the curator's file stays
        rebuilt(project, previous, SNAPSHOT, tmp_path / attempt)
        assert published.read_text() == stylesheet.read_text()
    stylesheet.write_text(stylesheet.read_text() + "/* changed */\n")
    _, _, written, _, *_ = rebuilt(project, previous, SNAPSHOT, tmp_path / "changed")
    assert published.read_text().endswith("/* changed */\n")
    pages = {path for path in inodes(previous / "hoa") if path.endswith(".html")}
    assert pages <= written  # each names the stylesheet with its content hash


def test_a_dataset_in_two_collections_of_a_site_has_one_page_made_once(project, previous, tmp_path):
    lungs = (project / "collections/hoa.yml").read_text().replace("title: Human Organ Atlas", "title: HOA lungs")
    lungs = lungs.replace("select:\n", "select:\n  parameters: {SamplePatient_organ_name: [lung]}\n")
    (project / "collections/hoa-lung.yml").write_text(lungs)
    break_file(project / "site_config/hoa.yml", "collections: [hoa]", "collections: [hoa, hoa-lung]")
    report = rebuilt(project, previous, SNAPSHOT, tmp_path).site
    page = (previous / "hoa/datasets" / KNOWN / "index.html").read_text()
    assert 'href="../../hoa/"' in page and "hoa-lung/" not in page  # the page of the first collection that has it
    sitemap = (previous / "hoa/sitemap.xml").read_text()
    addresses = re.findall(r"<loc>(.*?)</loc>", sitemap)
    # 404.html is in no sitemap, nor the DOI pages, whose canonical page is in the DOI site
    assert len(addresses) == len(set(addresses)) == report.pages - 1 - report.dois


@pytest.mark.parametrize("damage", ["missing", "not json", "other format", "bad entry"])
def test_a_damaged_manifest_gives_a_full_build_and_a_warning(project, previous, tmp_path, damage):
    manifest = previous / "hoa" / MANIFEST_FILE
    if damage == "missing":
        manifest.unlink()
    elif damage == "not json":
        manifest.write_text('{"format": 2, "files": {')
    elif damage == "other format":
        manifest.write_text(json.dumps({"format": 0, "files": {}}))
    else:
        manifest.write_text(json.dumps({"format": 2, "files": {"404.html": {"inputs": "x"}}}))
    site, _, written, _, *_ = rebuilt(project, previous, SNAPSHOT, tmp_path)
    assert site.carried == 0 and site.rendered == site.files
    assert len(written) == site.files + 1
    assert any(f"out/hoa/{MANIFEST_FILE}" in str(w) and "building every file again" in str(w) for w in site.warnings)


def test_a_site_changed_by_hand_is_not_trusted_where_files_are_gone(project, previous, tmp_path):
    (previous / "hoa" / "datasets" / UNRELATED / "index.html").unlink()
    _, _, written, _, *_ = rebuilt(project, previous, SNAPSHOT, tmp_path)
    assert written == {f"datasets/{UNRELATED}/index.html", MANIFEST_FILE}


def test_a_failed_build_after_an_incremental_one_leaves_the_site_as_it_was(project, previous, tmp_path, capsys):
    run(project, previous, snapshot_with_copy(tmp_path / "new.xml"))
    before, before_inodes = tree_hashes(previous / "hoa"), inodes(previous / "hoa")
    break_file(project / "collections/hoa.yml", "  - {field: sex}", "  - {field: sex, sort: asc}")
    assert main(["build", "hoa", "--project", str(project), "--out", str(previous), "--quiet",
                 "--snapshot", str(tmp_path / "new.xml")]) == 1
    assert "previous site is unchanged" in capsys.readouterr().err
    assert tree_hashes(previous / "hoa") == before
    assert inodes(previous / "hoa") == before_inodes
    assert left_in(previous) == ["hoa"]


def test_the_command_reports_what_it_made_kept_and_removed(project, previous, tmp_path, capsys):
    snapshot = str(snapshot_without(tmp_path / "fewer.xml"))
    common = ["build", "hoa", "--project", str(project), "--out", str(previous), "--snapshot", snapshot]
    assert main([*common, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["sites"][0]
    assert report["removed"] >= 2 and report["carried"] > report["rendered"] > 0
    assert report["carried"] + report["rendered"] == report["files"]
    assert main([*common, "--quiet", "--full"]) == 0
    printed = capsys.readouterr().out
    assert f"files: {report['files']} made, 0 kept unchanged, 0 removed" in printed
    assert main([*common, "--quiet"]) == 0
    assert f"files: 0 made, {report['files']} kept unchanged, 0 removed" in capsys.readouterr().out


def test_a_new_build_of_an_unchanged_site_carries_over_every_file_but_the_manifest(project, previous, tmp_path):
    site, _, written, _, *_ = rebuilt(project, previous, SNAPSHOT, tmp_path)
    assert written == {MANIFEST_FILE}
    assert (site.rendered, site.carried, site.removed) == (0, site.files, 0)
