"""Catalogue text is data: markup in a title or description is shown, never run."""

import json

import pytest

from builder.catalogue.snapshot import write_snapshot
from builder.commands.build import BuildOptions, build
from builder.harvest.sources.hoa import hoa_snapshot
from tests.conftest import HOA_JSON, REPO, Served, screenshot

pytestmark = pytest.mark.browser

ATTACK = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    records = [json.loads(p.read_text()) for p in sorted(HOA_JSON.glob("*.json"))[:20]]
    records[0]["citation"]["title"] = f"Lung {ATTACK} scan"
    records[0]["donor"]["medical_history"] = f"history {ATTACK}"
    snapshot = folder / "hostile.xml"
    write_snapshot(hoa_snapshot(records), snapshot)
    build(BuildOptions(project=REPO, sites=("hoa",), snapshot=snapshot, out=folder / "out", quiet=True))
    served = Served(folder / "out" / "hoa")
    yield served, records[0]
    served.close()


def test_markup_in_metadata_is_shown_as_text(page, hostile_site):
    served, record = hostile_site
    page.goto(served.url)
    page.wait_for_selector(".explore[data-ready=true]")
    page.fill("#q", "lung")
    page.wait_for_function("document.getElementById('result-count').textContent !== '20'")
    assert ATTACK in page.inner_text("#cards")
    page.goto(served.url + f"datasets/{record['name']}/")
    assert ATTACK in page.inner_text("h1")
    assert f"history {ATTACK}" in page.inner_text("main")
    page.goto(served.url + f"doi/{record['citation']['doi']}/")
    assert ATTACK in page.inner_text("h1")
    screenshot(page, "untrusted-text")
    assert page.evaluate("window.__pwned === undefined")
    assert page.errors == []
