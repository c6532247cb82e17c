"""Write the generated reference: docs/schema/*.schema.json, docs/config-reference.md and docs/cli.md.

Run it after changing a config model or a command line option: `python scripts/make_reference.py`.
tests/unit/test_reference.py fails while the files in the repository differ from what it writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from builder.cli import make_parser
from builder.commands.reference import MODELS, SCHEMA_FOLDER, cli_reference, config_reference, schema_text

REPO = Path(__file__).resolve().parent.parent


def reference_files() -> dict[str, str]:
    """Repository path -> the text it should hold."""
    files = {f"{SCHEMA_FOLDER}/{kind}.schema.json": schema_text(kind) for kind in MODELS}
    files["docs/config-reference.md"] = config_reference()
    files["docs/cli.md"] = cli_reference(make_parser())
    return files


def main(root: Path = REPO) -> int:
    for relative, text in reference_files().items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
