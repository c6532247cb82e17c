"""The URL policy: only http, https and mailto become links, and a Link header cannot be broken out of."""

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from builder.render.urls import header_url, link_url, site_link

HOSTILE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "https:evil.example", "//evil.example/", "https://",
    "https://a.example/\r\nContent-Security-Policy: script-src *", "https://a.example/\u2028x",
    "https://a.example\\@evil.example/", "https://[::1/", "ftp://a.example/", "",
]


def test_hostile_urls_are_no_links():
    for url in HOSTILE:
        assert link_url(url) is None, url
        assert header_url(url) is None, url


def test_ordinary_urls_stay_as_written():
    for url in ("https://creativecommons.org/licenses/by/4.0/", "http://example.org/a?b=c#d",
                "mailto:data@esrf.fr", "HTTPS://EXAMPLE.ORG/", "https://example.org/ünïcode"):
        assert link_url(url) == url


def test_site_links_are_paths_inside_the_site_or_link_urls():
    assert site_link("help/") == "help/"
    assert site_link("https://www.esrf.fr/") == "https://www.esrf.fr/"
    for url in ("javascript:alert(1)", "/etc/passwd", "//evil.example/", "data:,x", "help/\nx"):
        assert site_link(url) is None, url


def test_header_urls_are_encoded_per_rfc_8288():
    assert header_url('https://a.example/x,y"<z>ü') == "https://a.example/x%2Cy%22%3Cz%3E%C3%BC"
    assert header_url("https://a.example/%41?q=1&r=2#f") == "https://a.example/%41?q=1&r=2#f"


SCHEMES = st.sampled_from(["http", "https", "mailto", "javascript", "data", "vbscript", "file", "doi", "urn",
                           "HTTPS", "Javascript", "", "ftp", "blob"])


@given(scheme=SCHEMES, rest=st.text(max_size=60))
def test_a_link_url_has_an_allowed_scheme_whatever_follows(scheme, rest):
    url = link_url(f"{scheme}:{rest}")
    if url is not None:
        assert urlsplit(url).scheme.lower() in {"http", "https", "mailto"}
        assert url.isprintable() and " " not in url


@given(st.text(max_size=80))
def test_a_header_url_never_carries_what_ends_a_header_or_a_list(text):
    for url in (text, "https://a.example/" + text):
        encoded = header_url(url)
        if encoded is not None:
            assert encoded.isascii()
            assert not set(encoded) & set('\r\n<>", \t')
