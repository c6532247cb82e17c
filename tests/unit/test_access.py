"""How a visitor gets the data: links a browser opens, Globus, commands, sizes, and bad access settings."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.records import DataFile
from builder.catalogue.snapshot import read_snapshot
from builder.config.sites import Access, Globus, LocationBase, load_site
from builder.errors import ConfigError
from builder.render.access import access_panel, commands, globus_url, public_url
from builder.render.context import Page
from builder.render.environment import make_environment, theme_dirs
from tests.conftest import REPO, SNAPSHOT

BUCKET = "ucl-hip-ct-35a68e99feaae8932b1d44da0358940b"
HEART = "md1290/bm18/LADAF-2021-17_heart_complete-organ_19.85um_bm18"
BURROW = "PALEO-DB/public/BP-1-5558_45.5um"
PALEO = Access(locations=[LocationBase(prefix="/data/projects/paleo/", url="https://data.example.org/paleo/")],
               globus=[Globus(collection="6d1a0b02-1111-4222-8333-944455556666", prefix="/data/projects/",
                              path="/esrf/")],
               voxel_type="uint16")


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


@pytest.mark.parametrize("location, url", [
    (f"n5://gs://{BUCKET}/A109/lung/", f"https://storage.googleapis.com/{BUCKET}/A109/lung/"),
    (f"gs://{BUCKET}/x/|zarr3:", f"https://storage.googleapis.com/{BUCKET}/x/"),
    ("s3://open-data/vol.zarr/", "https://open-data.s3.amazonaws.com/vol.zarr/"),
    ("https://example.org/a.tif", "https://example.org/a.tif"),
    ("/data/projects/paleo/EX 1/a.tif", "https://data.example.org/paleo/EX%201/a.tif"),
    ("/data/visitor/md1290/a.h5", None),  # no base is set for /data/visitor/
    ("javascript:alert(1)", None),
    ("file:///etc/passwd", None),
    ("", None),
])
def test_a_location_becomes_an_address_a_browser_opens_or_none(location, url):
    assert public_url(location, PALEO) == url


def test_globus_opens_the_collection_folder_of_the_file():
    url = globus_url("/data/projects/paleo/EX-1/a.tif", PALEO)
    assert url == ("https://app.globus.org/file-manager?origin_id=6d1a0b02-1111-4222-8333-944455556666"
                   "&origin_path=%2Fesrf%2Fpaleo%2FEX-1%2Fa.tif")
    assert globus_url(f"gs://{BUCKET}/x/", PALEO) is None


def test_an_hoa_volume_is_shown_with_its_uncompressed_size_link_and_commands(catalogue):
    heart = catalogue.datasets[HEART]
    width, height, depth = heart.volume.shape
    panel = access_panel([heart], Access(voxel_type="uint16"))
    (file,) = panel.files
    gigabytes = width * height * depth * 2 / 1e9
    assert file.size == f"{gigabytes:.1f} GB" and file.size_derived
    assert panel.total_size == file.size and panel.total_derived and panel.unknown_sizes == 0
    address = heart.files[0].location.removeprefix("n5://")
    assert file.url == "https://storage.googleapis.com/" + address.removeprefix("gs://")
    texts = {command.label: command.text for command in file.commands}
    name = address.rstrip("/").rsplit("/", 1)[-1]
    assert texts["gsutil"] == f"gsutil -m cp -r {address} ./{name}"
    assert texts["rclone"] == f"rclone copy --gcs-anonymous :gcs:{address.removeprefix('gs://')} ./{name}"
    assert f'"driver": "n5", "kvstore": "{address}s0/"' in texts["Python (tensorstore)"]


def test_without_a_voxel_type_a_volume_without_size_has_none(catalogue):
    panel = access_panel([catalogue.datasets[HEART]], Access())
    assert panel.files[0].size == "" and panel.total_size == "" and panel.unknown_sizes == 1


def test_the_burrow_files_have_their_catalogue_sizes_and_total_but_no_link(catalogue):
    panel = access_panel([catalogue.datasets[BURROW]], PALEO)
    assert len(panel.files) == 5 and panel.total_size == "39.2 GB" and not panel.total_derived
    assert all(f.url == "" and f.globus_url == "" and f.commands == () for f in panel.files)


def test_a_javascript_location_is_listed_without_a_link(catalogue):
    burrow = catalogue.datasets[BURROW]
    bad = DataFile(name="evil.tif", size=10, location="javascript:alert(document.cookie)")
    panel = access_panel([replace(burrow, files=(bad,))], PALEO)
    (file,) = panel.files
    assert (file.name, file.location, file.url, file.globus_url) == ("evil.tif", bad.location, "", "")
    assert commands(bad, None) == ()


def test_a_mapped_file_gets_curl_and_globus():
    file = DataFile(name="a.tif", size=3, location="/data/projects/paleo/EX-1/a.tif")
    url = public_url(file.location, PALEO)
    assert [c.text for c in commands(file, url)] == [f"curl --fail --location --remote-name {url}"]


# ---------------------------------------------------------------- bad settings


def test_an_unknown_key_in_a_location_mapping_names_file_and_line(project):
    path = project / "site_config/paleo.yml"
    text = path.read_text().replace('{prefix: /data/projects/paleo/, url:', '{prefix: /data/projects/paleo/, base:')
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_site(path, "site_config/paleo.yml")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "base:" in row)
    assert re.search(rf"site_config/paleo\.yml:{line}:\d+: access\.locations\[0\]\.base: unknown key",
                     str(raised.value)), str(raised.value)


@pytest.mark.parametrize("settings, key, bad", [
    ("access:\n  locations:\n    - {prefix: /data/, url: 'ftp://data.example.org/'}\n",
     r"access\.locations\[0\]\.url", "ftp://"),
    ("access:\n  locations:\n    - {prefix: /data/, url: 'javascript:alert(1)//'}\n",
     r"access\.locations\[0\]\.url", "javascript:"),
    ("access:\n  globus:\n    - {collection: 6d1a0b02-1111-4222-8333-944455556666, prefix: /data/,\n"
     "       app: 'file:///app'}\n", r"access\.globus\[0\]\.app", "file:"),
])
def test_a_base_that_is_not_http_names_file_line_and_key(project, settings, key, bad):
    path = project / "site_config/paleo.yml"
    text = re.sub(r"\naccess:\n(  .*\n)+", "\n", path.read_text()) + settings
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_site(path, "site_config/paleo.yml")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if bad in row)
    assert re.search(rf"site_config/paleo\.yml:{line}:\d+: {key}: expected an http\(s\) URL", str(raised.value)), \
        str(raised.value)


def test_an_unknown_key_in_a_globus_setting_names_file_and_line(project):
    path = project / "site_config/paleo.yml"
    text = path.read_text().replace("path: /paleo/}", "folder: /paleo/}")
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_site(path, "site_config/paleo.yml")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "folder:" in row)
    assert re.search(rf"site_config/paleo\.yml:{line}:\d+: access\.globus\[0\]\.folder: unknown key; "
                     r"expected one of: app, collection, path, prefix", str(raised.value)), str(raised.value)


def test_the_panel_shows_a_javascript_location_as_text_and_links_only_https(catalogue):
    burrow = catalogue.datasets[BURROW]
    bad = DataFile(name="evil.tif", size=10, location="javascript:alert(document.cookie)")
    good = DataFile(name="a.tif", size=20, location="/data/projects/paleo/a.tif")
    panel = access_panel([replace(burrow, files=(bad, good))], PALEO)
    environment = make_environment(theme_dirs(REPO / "themes", "default", None))
    html = environment.get_template("access.html").render(panel=panel, help_path=None, page=Page("x/", "x", ""))
    assert "javascript:alert(document.cookie)" in html  # listed, as text
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(href.startswith("https://") for href in hrefs), hrefs
    assert "https://data.example.org/paleo/a.tif" in hrefs
