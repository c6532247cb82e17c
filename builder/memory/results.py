"""Results of slow, pure functions kept on disk between builds.

Each namespace names what made its results (a style file, a validator's
version) by a digest, and is one JSON file of input digest -> result. A
change to the maker starts a new namespace; a damaged file is made again.
The cache is only ever written by atlasgen, so a stale entry cannot occur:
an entry's key is the digest of everything its result depends on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from builder.files import write_atomically


class ResultCache:
    """JSON-able results by (namespace, input digest); with no folder, kept in memory only."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._entries: dict[str, dict[str, Any]] = {}  # namespace -> input digest -> result
        self._changed: set[str] = set()

    def _load(self, namespace: str) -> dict[str, Any]:
        if namespace not in self._entries:
            entries: dict[str, Any] = {}
            if self.folder is not None:
                try:
                    entries = json.loads((self.folder / f"{namespace}.json").read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    entries = {}  # none yet, or damaged: make them again
            self._entries[namespace] = entries if isinstance(entries, dict) else {}
        return self._entries[namespace]

    def get(self, namespace: str, key: str) -> Any:
        """The result stored for `key`, or None."""
        return self._load(namespace).get(key)

    def put(self, namespace: str, key: str, result: Any) -> None:
        self._load(namespace)[key] = result
        self._changed.add(namespace)

    def save(self) -> None:
        if self.folder is None:
            return
        try:
            for namespace in sorted(self._changed):
                text = json.dumps(self._entries[namespace], sort_keys=True, ensure_ascii=False)
                write_atomically(self.folder / f"{namespace}.json", text.encode("utf-8"))
        except OSError:
            return  # a cache that cannot be written only costs time
        self._changed.clear()


def json_digest(value: Any) -> str:
    """A digest of a JSON-able value that does not depend on the order of its keys."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
