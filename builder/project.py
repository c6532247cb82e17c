"""Where a project keeps its inputs and what a build remembers: the paths every command starts from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_SNAPSHOT = "catalogue/esrf-public.xml"
CACHE_FOLDER = ".cache/atlasgen"


@dataclass(frozen=True)
class Project:
    """Where a project keeps its inputs; every path is relative to its root."""

    root: Path

    @property
    def site_config(self) -> Path:
        return self.root / "site_config"

    @property
    def collections(self) -> Path:
        return self.root / "collections"

    @property
    def themes(self) -> Path:
        return self.root / "themes"

    def shown(self, path: Path) -> str:
        """A path as the user should read it in messages: relative to the project when inside it."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
