"""The HTTP headers a site asks its host to send, as `_headers` (Netlify, Cloudflare Pages and others read it).

Every page gets a strict Content-Security-Policy: scripts, styles, images,
fonts and fetches only from the site itself, none inline (the theme's brand
colours come as a generated stylesheet), no plug-ins, no framing by other
sites. A landing page also gets its Signposting links as a Link header.
`atlasgen serve` reads the same file, so a preview is served as the host
would serve it.
"""

from __future__ import annotations

from typing import Iterable, Sequence

HEADERS_FILE = "_headers"
CONTENT_SECURITY_POLICY = ("default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; "
                           "object-src 'none'")
EVERY_PAGE = "/*"
Rule = tuple[str, Sequence[tuple[str, str]]]  # a path (or a pattern ending in '*'), its (name, value) headers


def site_rules(link_headers: Iterable[tuple[str, str]]) -> list[Rule]:
    """The CSP for every page, and each (path, Link header value) of the landing pages."""
    return [(EVERY_PAGE, [("Content-Security-Policy", CONTENT_SECURITY_POLICY)])] + \
        [(path, [("Link", header)]) for path, header in sorted(link_headers) if header]


def headers_file(rules: Iterable[Rule]) -> str:
    """A path line, then its headers indented, for each rule. Paths are percent-encoded site paths and values
    are made here or encoded per RFC 8288 (`urls.header_url`): no line break can start a line of its own."""
    blocks = []
    for path, headers in rules:
        if any(_breaks(text) for text in (path, *(part for header in headers for part in header))):
            raise ValueError(f"a line break in the headers of {path!r}")
        blocks.append(path + "\n" + "".join(f"  {name}: {value}\n" for name, value in headers))
    return "".join(blocks)


def _breaks(text: str) -> bool:
    return any(c in text for c in "\r\n\x00")


def read_headers_file(text: str) -> dict[str, list[tuple[str, str]]]:
    """`_headers` as static hosts read it: a path line, then indented `Name: value` lines."""
    headers: dict[str, list[tuple[str, str]]] = {}
    path = None
    for line in text.splitlines():
        if line and not line[0].isspace():
            path = line.strip()
            headers.setdefault(path, [])
        elif line.strip() and path is not None and ":" in line:
            name, _, value = line.strip().partition(":")
            headers[path].append((name.strip(), value.strip()))
    return headers


def headers_for(rules: dict[str, list[tuple[str, str]]], path: str) -> list[tuple[str, str]]:
    """The headers of every rule that matches a request's path: its own, and those of patterns ending in '*'."""
    found: list[tuple[str, str]] = []
    for pattern, headers in rules.items():
        if pattern == path or (pattern.endswith("*") and path.startswith(pattern[:-1])):
            found += headers
    return found
