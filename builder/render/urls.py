"""A site's paths as they appear in URLs."""

from __future__ import annotations

from urllib.parse import quote


def url_path(text: str) -> str:
    """A site path for URLs: every segment percent-encoded, '/' kept."""
    return quote(text, safe="/-._~")
