"""The manifest of a built site: for every file, what it was made from and what it holds.

It lives in the site folder itself (`.atlasgen-manifest.json`), so it is
published in the same atomic swap as the files it describes and can never
describe another version of the site. The next build reads it to carry over
every file whose inputs are unchanged instead of making it again.

The file is one line of JSON, `{"format": 2, "files": {path: [bytes,
inputs]}}`, paths in order: `bytes` is the SHA-256 of the file's content,
`inputs` the SHA-256 of everything that makes it (for a page: the code, the
templates, the site's data and the page's own context). A file whose
content is its own input (assets, search shards, sitemap) has only `bytes`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, NamedTuple

MANIFEST_FILE = ".atlasgen-manifest.json"
FORMAT = 2  # bump when the meaning of an entry changes: older manifests are then ignored


class Entry(NamedTuple):
    inputs: str
    digest: str


@dataclass(frozen=True)
class Manifest:
    files: Mapping[str, Entry] = field(default_factory=dict)
    digest: str = ""  # of the file it was read from

    def text(self) -> str:
        files = {path: [entry.digest] if entry.inputs == entry.digest else [entry.digest, entry.inputs]
                 for path, entry in sorted(self.files.items())}
        # One line: json's C encoder writes it; any indent would take the pure-Python one, ten times slower.
        return json.dumps({"format": FORMAT, "files": files}, ensure_ascii=False, separators=(",", ":")) + "\n"


class ManifestError(ValueError):
    """A manifest that cannot be trusted; the message says why."""


def read_manifest(site_folder: Path) -> Manifest | None:
    """The manifest of the site built in `site_folder`; None if there is no site there yet.

    Raises ManifestError for a site without a manifest, or with one that is damaged or of another format.
    """
    path = site_folder / MANIFEST_FILE
    if not site_folder.is_dir():
        return None
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except FileNotFoundError:
        raise ManifestError("the site has no manifest") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"unreadable manifest: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(f"manifest is not of format {FORMAT}")
    try:
        files = {path: _entry(entry) for path, entry in data["files"].items()}
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ManifestError(f"malformed manifest entry: {error!r}") from None
    return Manifest(files, text_digest(text))


def _entry(value: list) -> Entry:
    if not isinstance(value, list) or len(value) not in (1, 2) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected [bytes] or [bytes, inputs], got {value!r}")
    return Entry(value[-1], value[0])


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def inputs_digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()

