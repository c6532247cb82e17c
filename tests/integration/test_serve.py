"""`atlasgen serve` answers every malformed request with a 4xx, never serves dot-files, and stays up."""

import socket
from urllib.parse import quote

import pytest

from builder.render.headers import CONTENT_SECURITY_POLICY, headers_file, site_rules
from tests.conftest import Served


@pytest.fixture
def served(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Atlas</title><p>home")
    (site / "404.html").write_text("<!doctype html><title>Not found</title><p>not here")
    (site / ".atlasgen-manifest.json").write_text('{"secret": true}')
    (site / ".hoa.building-1").mkdir()
    (site / ".hoa.building-1" / "index.html").write_text("half built")
    (site / "_headers").write_text(headers_file(site_rules([("/doi/", '<https://doi.org/10.1/x>; rel="cite-as"')])))
    (tmp_path / "secret.txt").write_text("outside the site")
    odd = site / "datasets" / "\u202eRTL\nline\\back %3E?"  # a dataset's name is anyone's: its page is served
    odd.mkdir(parents=True)
    (odd / "index.html").write_text("<!doctype html><title>Odd</title><p>odd")
    server = Served(site)
    yield server
    server.close()


def ask(served, request: bytes) -> bytes:
    """Send raw bytes, return the raw answer."""
    port = served.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status(served, target: bytes) -> int:
    answer = ask(served, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1."), answer[:200]
    return int(answer.split(b" ", 2)[1])


def still_up(served) -> None:
    answer = ask(served, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 200") and b"home" in answer
    assert f"Content-Security-Policy: {CONTENT_SECURITY_POLICY}".encode() in answer


@pytest.mark.parametrize("target", [
    b"/%00", b"/index.html%00.txt", b"/%0d%0aSet-Cookie:%20x=1", b"/%ff%fe", b"/..%5c..%5csecret.txt",
    b"/../secret.txt", b"/../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/%2E%2E%2Fsecret.txt",
    b"/.atlasgen-manifest.json", b"/.hoa.building-1/index.html", b"/%2eatlasgen-manifest.json", b"/_headers",
])
def test_malformed_paths_and_dot_files_get_a_4xx(served, target):
    assert 400 <= status(served, target) < 500
    still_up(served)


def test_a_page_whose_name_has_controls_bidi_marks_and_backslashes_is_served(served):
    assert status(served, b"/datasets/" + quote("\u202eRTL\nline\\back %3E?").encode() + b"/") == 200
    still_up(served)


def test_a_100_kb_request_line_gets_414(served):
    answer = ask(served, b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 414"), answer[:200]
    still_up(served)


@pytest.mark.parametrize("request_line", [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                                          b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"])
def test_malformed_request_lines_get_a_4xx(served, request_line):
    answer = ask(served, request_line)
    assert answer.startswith(b"HTTP/1.0 4") or answer.startswith(b"HTTP/1.0 505"), answer[:200]
    still_up(served)
