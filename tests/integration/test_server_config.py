"""`atlasgen export server-config`: the HOA site's `_headers` and 404 page as nginx, Apache and S3 configuration,
checked by reading the output back, and, where Debian's nginx is installed, by nginx itself serving the site."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from builder.cli import main
from builder.commands.serve import read_headers_file
from tests.conftest import REPO

IMMUTABLE = "public, max-age=31536000, immutable"
# Run as root (as CI does), nginx's workers would be 'nobody', who cannot read pytest's private temporary folders.
USER = "user root;\n" if os.geteuid() == 0 else ""


@pytest.fixture(scope="module")
def headers(hoa_site) -> dict[str, str]:
    """Each landing page's Link header, as the built `_headers` gives it."""
    rules = read_headers_file((hoa_site / "_headers").read_text())
    links = {path: dict(values)["Link"] for path, values in rules.items() if "Link" in dict(values)}
    assert len(links) == 369
    return links


def export(capsys, built_sites, *options) -> str:
    capsys.readouterr()
    assert main(["export", "server-config", "hoa", "--project", str(REPO), "--out", str(built_sites), *options]) == 0
    return capsys.readouterr().out


def nginx_string(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def test_nginx_maps_every_landing_page_to_its_link_header(capsys, built_sites, headers):
    out = export(capsys, built_sites, "--format", "nginx")
    assert re.search(r"^map \$uri \$atlasgen_hoa_page_0 \{$", out, re.M)  # one map, of the Link header
    entries = dict((nginx_string(key), nginx_string(value)) for key, value in
                   re.findall(r'^    "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)";$', out, re.M))
    for path, link in headers.items():
        assert entries[path] == link and entries[path + "index.html"] == link
    assert re.search(r"^    add_header Link \$atlasgen_hoa_page_0 always;$", out, re.M)
    assert re.search(r"^    error_page 404 /404\.html;$", out, re.M)
    assert f'~^(/static/|/images/) "{IMMUTABLE}";' in out and 'default "no-cache";' in out
    assert "server_name human-organ-atlas.esrf.eu;" in out and "root /var/www/hoa;" in out


def test_apache_sets_each_link_header_where_its_page_is(capsys, built_sites, headers):
    out = export(capsys, built_sites, "--format", "apache", "--root", "/srv/www/hoa")
    blocks = re.findall(r'<LocationMatch "((?:[^"\\]|\\.)*)">\n((?:        .*\n)+)    </LocationMatch>', out)
    pages = {}
    for pattern, body in blocks:
        found = re.findall(r'Header always set (\S+) "((?:[^"\\]|\\")*)"', body)
        pages[pattern] = {name: value.replace('\\"', '"') for name, value in found}
    assert pages["^(/static/|/images/)"] == {"Cache-Control": IMMUTABLE}
    for path, link in headers.items():
        [pattern] = [p for p in pages if p != "^(/static/|/images/)" and re.match(p, path)]
        assert re.match(pattern, path + "index.html") and not re.match(pattern, path + "datacite.xml")
        assert pages[pattern] == {"Link": link}
    assert 'DocumentRoot "/srv/www/hoa"' in out and "ErrorDocument 404 /404.html" in out


def test_s3_gives_the_website_configuration_and_every_page_header_by_key(capsys, built_sites, headers):
    document = json.loads(export(capsys, built_sites, "--format", "s3", "--root", "atlases/hoa/"))
    assert document["website_configuration"] == {"IndexDocument": {"Suffix": "index.html"},
                                                 "ErrorDocument": {"Key": "atlases/hoa/404.html"}}
    assert {"prefix": "atlases/hoa/static/", "value": IMMUTABLE} in document["cache_control"]
    assert {"prefix": "atlases/hoa/", "value": "no-cache"} in document["cache_control"]
    for path, link in headers.items():
        key = "atlases/hoa" + path
        assert document["page_headers"][key] == document["page_headers"][key + "index.html"] == {"Link": link}


def test_a_site_not_built_yet_is_an_error(capsys, tmp_path):
    assert main(["export", "server-config", "hoa", "--project", str(REPO), "--out", str(tmp_path)]) == 1
    assert "no built site here; run 'atlasgen build' first" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="Debian's nginx is not installed")
def test_nginx_accepts_the_file_and_serves_the_site_with_its_headers(capsys, built_sites, headers, tmp_path):
    port = free_port()
    site = built_sites / "hoa"
    conf = export(capsys, built_sites, "--root", str(site)).replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "hoa.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\n{USER}pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  proxy_temp_path {tmp_path};\n"
        f"  fastcgi_temp_path {tmp_path};\n  uwsgi_temp_path {tmp_path};\n  scgi_temp_path {tmp_path};\n"
        f"  include {tmp_path}/hoa.conf;\n}}\n")
    command = ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run(command + ["-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        path = sorted(headers)[0]
        answer = _get(f"http://127.0.0.1:{port}{path}")
        assert answer.headers["Link"] == headers[path]
        assert answer.headers["Cache-Control"] == "no-cache"
        css = re.search(r'href="[./]*(static/css/[^"?]+)', (site / "index.html").read_text()).group(1)
        assert _get(f"http://127.0.0.1:{port}/{css}").headers["Cache-Control"] == IMMUTABLE
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no/such/page/", timeout=5)
        assert missing.value.code == 404 and missing.value.read() == (site / "404.html").read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str, tries: int = 50):
    for _ in range(tries):
        try:
            return urllib.request.urlopen(url, timeout=5)
        except urllib.error.URLError as error:
            if isinstance(error, urllib.error.HTTPError):
                raise
            time.sleep(0.1)
    raise AssertionError(f"nginx did not answer {url}")
