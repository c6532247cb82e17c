"""Catalogue and config URLs that are no http, https or mailto URL stay text; none breaks out of `_headers`.

One HOA build from a snapshot whose first DOI has a `javascript:` licence
URL with a line break, related items written `URL:`, `ISBN:`, `HANDLE:`,
`ARK:` holding scripts, and an `https://` file location with a header line
in it; the site config adds `javascript:` and `data:` nav links.
"""

import re
import shutil

import pytest
from lxml import etree, html

from builder.cli import main
from builder.render.headers import CONTENT_SECURITY_POLICY, read_headers_file
from tests.conftest import REPO, SNAPSHOT

SCRIPT = "javascript:alert(1)"
INJECTED = "\nContent-Security-Policy: script-src *\n/*\n  X-Injected: yes"
RELATED = {"URL": SCRIPT, "ISBN": SCRIPT, "HANDLE": "data:text/html,<script>alert(1)</script>", "ARK": SCRIPT}


def hostile_urls(target):
    tree = etree.parse(str(SNAPSHOT))
    root = tree.getroot()
    publication = root.find("data/dataPublication")
    collection = publication.find("content").get("ref")
    rights = root.find(f"data/dataCollection[@id='{collection}']/parameters/stringValue")
    rights.text = f"Evil licence,CC-BY-4.0,{SCRIPT}{INJECTED}"
    for kind, identifier in RELATED.items():
        item = etree.SubElement(publication, "relatedItems")
        for tag, text in (("identifier", f"{kind}:{identifier}"), ("relatedItemType", "Text"),
                          ("relationType", "References"), ("title", f"{kind} item")):
            etree.SubElement(item, tag).text = text
    dataset = root.find(f"data/dataCollection[@id='{collection}']/dataCollectionDatasets/dataset").get("ref")
    datafile = etree.SubElement(root.findall("data")[-1], "datafile", id="Datafile_hostile")
    etree.SubElement(datafile, "location").text = "https://files.example.org/scan.tif" + INJECTED
    etree.SubElement(datafile, "name").text = "scan.tif"
    etree.SubElement(datafile, "dataset", ref=dataset)
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return publication.findtext("pid")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("urls")
    project = folder / "project"

    for name in ("collections", "site_config"):
        shutil.copytree(REPO / name, project / name)
    config = project / "site_config/hoa.yml"
    config.write_text(config.read_text().replace(
        "  - {label: Help, url: help/}\n",
        "  - {label: Help, url: help/}\n  - {label: Script, url: 'javascript:alert(1)'}\n"
        "  - {label: Data, url: 'data:text/html,<script>alert(1)</script>'}\n"
        "  - {label: Far, url: '//evil.example/'}\n"))
    doi = hostile_urls(folder / "hostile.xml")
    out = folder / "out"
    assert main(["build", "hoa", "--project", str(project), "--snapshot", str(folder / "hostile.xml"),
                 "--out", str(out), "--quiet"]) == 0
    return out / "hoa", doi


def links(page):
    document = html.fromstring(page.read_bytes())
    return [value for element in document.iter() if isinstance(element.tag, str)
            for name in ("href", "src") if (value := element.get(name)) is not None]


def test_no_page_links_to_a_script_or_data_url(hostile_site):
    site, doi = hostile_site
    schemes = {re.match(r"^\s*([a-zA-Z][\w+.-]*):", url).group(1).lower() for page in site.rglob("*.html")
               for url in links(page) if re.match(r"^\s*[a-zA-Z][\w+.-]*:", url)}
    assert schemes <= {"http", "https", "mailto"}
    landing = (site / f"doi/{doi}/index.html").read_text()
    for kind in RELATED:
        assert f"{kind} item" in landing  # shown, as text
    assert "Evil licence" in landing
    home = (site / "index.html").read_text()
    assert ">Script<" in home and ">Data<" in home and ">Far<" in home  # the nav labels, not links


def test_no_url_adds_a_header_or_a_rule_to_headers(hostile_site):
    site, doi = hostile_site
    text = (site / "_headers").read_text()
    rules = read_headers_file(text)
    assert len(rules) == 1 + sum(1 for _ in site.rglob("linkset.json"))
    assert rules.pop("/*") == [("Content-Security-Policy", CONTENT_SECURITY_POLICY)]
    assert all([name for name, _ in headers] == ["Link"] for headers in rules.values())
    assert "X-Injected" not in text and "script-src" not in text
    link = dict(rules[f"/doi/{doi}/"])["Link"]
    assert "https://files.example.org/scan.tif" not in link  # a location with a line break is no link at all
    assert SCRIPT not in link
