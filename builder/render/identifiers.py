"""Persistent identifiers of people, checked: an ORCID iD with a wrong check digit is no ORCID iD."""

from __future__ import annotations

import re
from functools import lru_cache

ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


@lru_cache(maxsize=65536)  # a site names the same people on thousands of pages
def checked_orcid(text: str | None) -> str | None:
    """The bare ORCID iD (0000-0002-1825-0097) if `text` is one with a right check digit, else None."""
    match = ORCID.match((text or "").strip())
    if match is None:
        return None
    digits = match.group(1).replace("-", "")
    return match.group(1) if _orcid_check_digit(digits[:15]) == digits[15] else None


def _orcid_check_digit(digits: str) -> str:
    """ISO 7064 MOD 11-2 over the first 15 digits, as ORCID computes it."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)
