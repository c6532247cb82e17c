"""The one URL policy: which strings from the catalogue or a config become links, and how a header carries one.

A catalogue string is written by many hands: a licence URL `javascript:alert(1)`
or a related item `data:text/html,...` must stay text. Every URL that reaches
an `href`, a `src`, a `<link>`, `_headers` or an export goes through here:

- `link_url`: an absolute `http`, `https` or `mailto` URL that a browser reads
  exactly as written (no space, control character or backslash, which browsers
  drop or rewrite before they read the scheme), else None: show it as text;
- `site_link`: the same, or a path inside the site (a config's `nav`);
- `header_url`: a link URL as RFC 8288 puts it between `<` and `>`, ASCII only,
  with the characters a Link header or a `_headers` file would split on
  percent-encoded;
- `url_path`: a site's own path as it appears in URLs.
"""

from __future__ import annotations

from string import ascii_letters, digits
from urllib.parse import quote, urlsplit

LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def _read_as_written(text: str) -> bool:
    """No character a browser strips, splits on or reads differently: Python's unprintable ones (controls,
    separators, format characters such as bidi marks, unassigned code points), the space and the backslash
    (which WHATWG URLs read as '/')."""
    return text.isprintable() and " " not in text and "\\" not in text


# What stays as it is in a header's URL: RFC 3986's unreserved and reserved characters but ',' (Link headers are
# comma-separated lists) and '%' (a URL's own escapes stay escapes).
_HEADER_SAFE = ascii_letters + digits + "-._~:/?#[]@!$&'()*+;=%"


def link_url(text: str | None) -> str | None:
    """`text` if it is an absolute http(s) URL with a host, or a mailto URL; else None (show it as text)."""
    if not text or not _read_as_written(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed '[' in the host
        return None
    scheme = parts.scheme.lower()
    if scheme not in LINK_SCHEMES or (scheme != "mailto" and not parts.hostname):
        return None
    return text


def site_link(text: str | None) -> str | None:
    """A link URL, or a relative path inside the site ('help/'); else None."""
    if text is None or not _read_as_written(text):
        return None
    if ":" in text.split("/", 1)[0]:  # 'x:' names a scheme
        return link_url(text)
    return None if text.startswith("/") else text  # '/x' and '//host' would leave the site's folder


def header_url(text: str | None) -> str | None:
    """A link URL as a Link header's `<...>` carries it (no CR, LF, '<', '>', '"' or ','), else None."""
    url = link_url(text)
    return quote(url, safe=_HEADER_SAFE) if url is not None else None


def url_path(text: str) -> str:
    """A site path for URLs: every segment percent-encoded, '/' kept."""
    return quote(text, safe="/-._~")
