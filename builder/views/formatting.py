"""How numbers, dates and sizes read on a page: one place, the same everywhere."""

from __future__ import annotations

from decimal import Decimal


def number(value: float, digits: int | None = None) -> str:
    """4.14 -> '4.14', 106.0 -> '106', 197.61805 -> '197.618'; `digits` fixes the decimals."""
    if digits is not None:
        text = f"{value:.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.6g}"
    if "e" in text:  # very small or large: the same six significant digits, written out
        return format(Decimal(text), "f")
    return text


def with_unit(text: str, unit: str) -> str:
    return f"{text}\u00a0{unit}" if unit else text


def open_range(low: float | None, high: float | None, digits: int | None = None) -> str:
    """ICAT range bounds: '< 18', '> 18', '18–30'."""
    if low is not None and high is not None:
        return f"{number(low, digits)}–{number(high, digits)}"
    if high is not None:
        return f"< {number(high, digits)}"
    if low is not None:
        return f"> {number(low, digits)}"
    return ""


def date(iso: str | None) -> str:
    """The calendar date of an ISO date-time: '2023-09-22T00:00:00+00:00' -> '2023-09-22'."""
    return iso[:10] if iso else ""


def year(iso: str | None) -> str:
    """'2023-09-22' -> '2023'; negative years (BCE) read '350 BCE'."""
    if not iso:
        return ""
    if iso.startswith("-"):
        return f"{int(iso[1:].split('-', 1)[0])} BCE"
    return iso[:4]


def year_number(value: float) -> str:
    """1850 -> '1850'; a negative year is before the common era: -350 -> '350 BCE' (there is no year 0)."""
    whole = int(round(value))
    return f"{-whole} BCE" if whole < 0 else str(whole)


def year_span(low: float | None, high: float | None) -> str:
    """Years from low to high: '350–300 BCE', '100 BCE – 50 CE', '1500–1600'; one bound: 'before 1500'."""
    if low is None or high is None:
        if low is None and high is None:
            return ""
        return f"after {year_number(low)}" if low is not None else f"before {year_number(high)}"  # type: ignore[arg-type]
    first, last = int(round(low)), int(round(high))
    if first == last:
        return year_number(first)
    if last < 0:
        return f"{-first}–{-last} BCE"
    if first >= 0:
        return f"{first}–{last}"
    return f"{year_number(first)} – {last} CE"


def size(count: int | None) -> str:
    """Bytes in decimal units, as download managers show them: 31.0 GB, 485.6 MB, 3.0 kB."""
    if count is None:
        return ""
    if count < 1000:
        return f"{count} B"
    value = float(count)
    for unit in ("kB", "MB", "GB", "TB", "PB"):
        value /= 1000
        if value < 1000 or unit == "PB":
            return f"{value:.1f} {unit}"
    return f"{count} B"
