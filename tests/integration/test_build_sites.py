"""Every site of the repository, built by `atlasgen build` from the embedded snapshot, read as a visitor would."""

import json
import re
import subprocess
import sys

import pytest

from builder.cli import main
from tests.conftest import REPO
from tests.curated_records import write_dump
from tests.integration.test_bad_input import break_file
from tests.integration.test_build_hoa import tree_hashes
from tests.snapshot_facts import dataset_facts

PALEO_DOMAINS = {"vertebrate paleontology", "invertebrate paleontology", "vertebrate biology", "paleoanthropology",
                 "archaeology", "paleobotany", "ichnology"}


def page(site, name: str) -> str:
    return (site / "datasets" / name / "index.html").read_text()


def text_of(html: str) -> str:
    """What a reader sees: tags out, spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


@pytest.fixture(scope="module")
def cli_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    completed = subprocess.run([sys.executable, "-m", "builder", "build", "--out", str(out), "--json"], cwd=REPO,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    return out, json.loads(completed.stdout), completed.stderr


def test_atlasgen_build_builds_every_site_of_site_config(cli_build):
    out, report, _ = cli_build
    sites = sorted(path.stem for path in (REPO / "site_config").glob("*.yml"))
    assert {"hoa", "paleo", "cultural-heritage"} <= set(sites)
    assert [site["name"] for site in report["sites"]] == sites
    assert sorted(p.name for p in out.iterdir()) == sites
    for name in sites:
        assert (out / name / "index.html").is_file() and (out / name / "404.html").is_file()
    # the shipped display rules and provenance links are sound (other checks may warn about other things)
    assert [w for w in report["warnings"] if "display[" in w["key"] or "input_datasets" in w["key"]] == []


def test_the_paleontology_site_has_a_page_per_paleontology_dataset(cli_build):
    out, report, _ = cli_build
    expected = sorted(row["name"] for row in dataset_facts()
                      if row.get("SamplePaleo_scientific_domain") in PALEO_DOMAINS)
    assert len(expected) == 38
    assert sorted(p.parent.name for p in (out / "paleo" / "datasets").glob("*/index.html")) == expected
    assert next(s for s in report["sites"] if s["name"] == "paleo")["datasets"] == 38


def test_the_burrow_page_shows_the_poster_facts(cli_build):
    out, _, _ = cli_build
    html = page(out / "paleo", "BP-1-5558_45.5um")
    text = text_of(html)
    assert "<h1>burrow BP1-5558 Thrinaxodon Broomistega</h1>" in html
    assert 'href="https://doi.org/10.15151/ESRF-DC-1634314047"' in html
    for fact in ("Scientific domain Vertebrate paleontology",
                 "Repository institution Evolutionary Studies Institute, Johannesburg, South Africa",
                 "Continental region Africa", "Country South Africa", "Localisation Karoo", "Formation unknown",
                 "Era Mesozoic", "Period Triassic", "Epoch Early Triassic", "Segmentation Vincent Fernandez",
                 "Instrument ID17", "Voxel size 45.5 μm",
                 "Synchrotron reveals Early Triassic odd couple: injured amphibian and aestivating therapsid share "
                 "burrow. PLoS One, 8(6), p.e64978. https://doi.org/10.1371/journal.pone.0064978",
                 "the mammalian reptile Thrinaxodon and the amphibian temnospondyl Broomistega",
                 "org_slices/BP_1_5558_45.5um_16bits_5500_6221 10.5 GB"):
        assert fact in text, fact
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings == ["Sample", "Location", "Geological time", "Scan", "Additional information", "Reference"]


def test_the_dmanisi_page_classifies_the_teeth(cli_build):
    out, _, _ = cli_build
    text = text_of(page(out / "paleo", "D2854-LR12_5.06um"))
    for fact in ("Clade 1 Animalia", "Clade 2 Chordata", "Clade 3 Mammalia", "Clade 4 Primates", "Clade 5 Hominidae",
                 "Species Homo erectus", "Material type Teeth", "Country Georgia", "Localisation Dmanisi",
                 "Epoch Pleistocene", "Keywords Paleoanthropology, Virtual dental paleohistology",
                 "Authors Christoph P.E. Zollikofer, Marcia Ponce de Leon", "Scan date 2009-01-31"):
        assert fact in text, fact
    assert "Clade 6" not in text  # the poster has none


def test_cultural_heritage_dates_read_bce_and_rules_follow_the_technique(cli_build):
    out, _, _ = cli_build
    site = out / "cultural-heritage"
    mummy = text_of(page(site, "EX-CH-01_tomo"))
    assert "Date of creation 664–332 BCE" in mummy
    assert "Tomography" in mummy and "Spectroscopy and diffraction" not in mummy
    coin = text_of(page(site, "EX-CH-05_xrf"))
    assert "Date of creation 27 BCE – 14 CE" in coin
    assert "Spectroscopy and diffraction" in coin and "Map pixel size 0.5 μm" in coin
    card_years = re.findall(r"Date of creation</dt><dd>([^<]+)<", (site / "index.html").read_text())
    assert card_years[0] == "17000–12000 BCE"  # the default order is a timeline, oldest first


def test_raw_and_processed_pages_link_both_ways(cli_build):
    out, _, _ = cli_build
    site = out / "cultural-heritage"
    raw = page(site, "EX-CH-01_tomo_raw")
    assert '<h3 id="results-heading">Processed results</h3>' in raw
    assert 'href="../../datasets/EX-CH-01_tomo/"' in raw
    processed = page(site, "EX-CH-01_tomo")
    assert '<h3 id="inputs-heading">Made from</h3>' in processed
    assert 'href="../../datasets/EX-CH-01_tomo_raw/"' in processed


def test_the_mx_raw_page_lists_four_pipelines_and_marks_the_best(cli_build):
    out, _, _ = cli_build
    html = page(out / "structural-biology", "EX-MX-01_sweep1")
    section = html[html.index('id="results-heading"'):html.index("</section>", html.index('id="results-heading"'))]
    rows = re.findall(r"<tr( class=\"best\")?>\s*<td><a href=\"[^\"]+\">([^<]+)</a>", section)
    assert [name for _, name in rows] == ["EX-MX-01_grenades_fastproc", "EX-MX-01_edna_proc", "EX-MX-01_autoproc",
                                          "EX-MX-01_xia2_dials"]  # in the order they were made
    assert [name for best, name in rows if best] == ["EX-MX-01_xia2_dials"]
    # the XIA2_DIALS row has the poster's figures: P212121, a, b, c, completeness, resolution, Rmerge, I/σ(I), CC1/2
    best = text_of(section[section.index('<tr class="best">'):])
    assert best.startswith(" EX-MX-01_xia2_dials ★ Best result processed XIA2_DIALS 2023-11-07 P212121 76.5 119.1 "
                           "143.0 100 % 143 Å 3.1 Å 15 % 7.9 1 ")


def test_cryo_et_pages_show_the_chain_and_the_tomogram_inputs(cli_build):
    out, _, _ = cli_build
    site = out / "structural-biology"
    tilt = text_of(page(site, "EX-ET-01_tilt_p60_ctf"))
    for fact in ("Defocus u 66681.2 Å", "Defocus v 66508.3 Å", "Resolution limit 14.407 Å", "Tilt angle 60 deg",
                 "Correlation 0.00233", "Estimated B factor -14.66 Å²"):
        assert fact in tilt, fact
    tomogram = page(site, "EX-ET-01_tomogram")
    inputs = tomogram[tomogram.index('id="inputs-heading"'):]
    linked = re.findall(r'<tr>\s*<td><a href="../../datasets/([^/]+)/">', inputs)
    assert linked[:5] == [f"EX-ET-01_tilt_{t}_ctf" for t in ("m60", "m30", "p00", "p30", "p60")]
    assert len(linked) == 15  # each tilt's CTF, motion correction and raw movie


def test_building_twice_gives_identical_bytes(cli_build, tmp_path):
    out, _, _ = cli_build
    assert main(["build", "paleo", "cultural-heritage", "structural-biology", "--out", str(tmp_path), "--quiet",
                 "--project", str(REPO)]) == 0
    for name in ("paleo", "cultural-heritage", "structural-biology"):
        assert tree_hashes(tmp_path / name) == tree_hashes(out / name)


# ---------------------------------------------------------------- bad input


def build_paleo(project, out, *extra) -> int:
    return main(["build", "paleo", "--project", str(project), "--out", str(out), "--quiet", *extra])


@pytest.fixture
def paleo_built(project, tmp_path):
    out = tmp_path / "out"
    assert build_paleo(project, out) == 0
    return out


def line_of(path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def refused(project, out, capsys, old: str, new: str) -> str:
    """Break collections/paleo.yml; the build must fail and leave the built site as it was. Returns the error."""
    before = tree_hashes(out / "paleo")
    break_file(project / "collections/paleo.yml", old, new)
    capsys.readouterr()
    assert build_paleo(project, out) == 1
    error = capsys.readouterr().err
    assert "previous site is unchanged" in error
    assert tree_hashes(out / "paleo") == before
    return error


def test_a_display_rule_naming_an_unknown_group_is_refused(project, paleo_built, capsys):
    error = refused(project, paleo_built, capsys,
                    "groups: [Sample, Location, time, Classification, Scan, more, Reference]",
                    "groups: [Sample, Location, time, Clasification, Scan, more, Reference]")
    line = line_of(project / "collections/paleo.yml", "Clasification")
    assert f"collections/paleo.yml:{line}:" in error
    assert "display[0].groups[3]: names no group 'Clasification' (did you mean 'Classification'?)" in error


def test_a_display_rule_naming_an_unknown_field_is_refused(project, paleo_built, capsys):
    error = refused(project, paleo_built, capsys, "groups: [Sample, Location, time, Classification, more, Reference]",
                    "groups: [Sample, {group: Location, fields: [country, locallity]}]")
    assert f"collections/paleo.yml:{line_of(project / 'collections/paleo.yml', 'locallity')}:" in error
    assert "display[1].groups[1].fields[1]: names no field of 'fields' (did you mean 'locality'?)" in error


def test_overlapping_rules_build_with_a_warning_naming_both(project, paleo_built, capsys):
    schema = project / "collections/paleo.yml"
    break_file(schema, "  - name: default\n", "  - name: ID19 scans\n    when: {instruments: [ID19]}\n"
                                             "    groups: [Sample, Scan]\n  - name: default\n")
    capsys.readouterr()
    assert build_paleo(project, paleo_built, "--json") == 0
    captured = capsys.readouterr()
    message = (f"collections/paleo.yml:{line_of(schema, 'name: ID19 scans')}:5: display[1]: overlaps display[0] "
               f"('tomography', line {line_of(schema, 'name: tomography')}): a dataset matching both is shown by "
               "display[0], the first match")
    assert f"warning: {message}" in captured.err
    rule_warnings = [w["text"] for w in json.loads(captured.out)["warnings"] if "display[" in (w["key"] or "")]
    assert rule_warnings == [message]
    assert (paleo_built / "paleo/datasets/D2854-LR12_5.06um/index.html").is_file()


PROVENANCE = """
investigations:
  - {name: BROKEN, visit: v1}
datasets:
  - {name: raw-1, investigation: BROKEN, type: raw, techniques: [MX], location: /d/raw-1, sample: {name: s1}}
  - {name: lost-1, investigation: BROKEN, techniques: [MX], location: /d/lost-1, sample: s1,
     inputs: [raw-1, /d/raw-gone], parameters: {Process_program: autoPROC}}
  - {name: loop-1, investigation: BROKEN, techniques: [MX], location: /d/loop-1, sample: s1, inputs: [/d/loop-2]}
  - {name: loop-2, investigation: BROKEN, techniques: [MX], location: /d/loop-2, sample: s1, inputs: [loop-1]}
"""
COLLECTION = """
title: Broken provenance
fields: {program: {parameter: Process_program}}
groups: [{label: Data, fields: [name, program]}]
card: {fields: [name]}
sort: {default: name, options: {name: {field: name}}}
search: {fields: {name: 1}}
"""


def test_missing_inputs_and_cycles_are_warnings_and_the_pages_still_build(tmp_path):
    (tmp_path / "collections").mkdir()
    (tmp_path / "site_config").mkdir()
    (tmp_path / "collections/broken.yml").write_text(COLLECTION)
    (tmp_path / "site_config/broken.yml").write_text("title: Broken\nbase_url: https://example.org/\n"
                                                     "collections: [broken]\n")
    dump = write_dump(tmp_path, PROVENANCE)
    completed = subprocess.run([sys.executable, "-m", "builder", "build", "--project", str(tmp_path), "--snapshot",
                                str(dump), "--out", str(tmp_path / "out"), "--quiet"],
                               cwd=REPO, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    warnings = [line for line in completed.stderr.splitlines() if line.startswith("warning: ")]
    lines = dump.read_text().splitlines()
    lost_line = next(n for n, line in enumerate(lines, 1) if '<dataset id="Dataset_BROKEN_v1_lost-1">' in line)
    assert f"warning: records.xml:{lost_line}: dataset 'lost-1' input_datasets: no dataset of the snapshot is at " \
           "'/d/raw-gone'; the link is left out" in warnings
    assert any("inputs form a cycle ('loop-1' -> 'loop-2' -> 'loop-1', each made from the next); the link from "
               "'loop-2' to 'loop-1' is left out" in w for w in warnings), warnings
    site = tmp_path / "out/broken"
    lost = provenance_of(page(site, "lost-1"))
    assert 'href="../../datasets/raw-1/"' in lost and "raw-gone" not in lost
    # loop-1 stays made from loop-2; loop-2 made from loop-1 closed the cycle and is left out
    loop1, loop2 = provenance_of(page(site, "loop-1")), provenance_of(page(site, "loop-2"))
    assert "Made from" in loop1 and 'href="../../datasets/loop-2/"' in loop1 and "Processed results" not in loop1
    assert "Made from" not in loop2 and 'href="../../datasets/loop-1/"' in loop2 and "Processed results" in loop2


def provenance_of(html: str) -> str:
    start = html.index('<section class="provenance"')
    return html[start:html.index("</section>", start)]
