"""One code fingerprint: the digest of the modules a piece of work is made with.

What a build remembers (a cached catalogue, a kept page, a made image) is only
as good as the code that made it. Each memory names the modules that make its
kind of result; the fingerprint covers those modules, every builder module
they import (read from their source, so nobody keeps a list by hand) and the
data files of their packages (`catalogue/schema/`). A change to any of them
makes a new fingerprint, and the memory is made again.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # builder/
DATA_SUFFIXES = (".xsd", ".tsv", ".json", ".csl")


@cache
def code_fingerprint(*modules: str) -> str:
    """SHA-256 of the named builder modules, what they import of builder, and their packages' data files."""
    digest = hashlib.sha256()
    for path in code_files(*modules):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def code_files(*modules: str) -> tuple[Path, ...]:
    """The files `code_fingerprint(*modules)` reads, sorted."""
    seen: set[str] = set()
    waiting = list(modules)
    while waiting:
        name = waiting.pop()
        if name not in seen and module_path(name) is not None:
            seen.add(name)
            waiting.extend(imported_modules(name))
            waiting.append(name.rpartition(".")[0])  # a module's packages load with it
    files = {module_path(name) for name in seen}
    for folder in {path.parent for path in files}:  # type: ignore[union-attr]
        files |= {data for data in folder.rglob("*") if data.suffix in DATA_SUFFIXES and _is_data(data, folder)}
    return tuple(sorted(files))  # type: ignore[arg-type]


def module_path(name: str) -> Path | None:
    """The source file of a builder module or package; None for anything else."""
    if name != "builder" and not name.startswith("builder."):
        return None
    base = PACKAGE.parent.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def imported_modules(name: str) -> tuple[str, ...]:
    """The builder modules that module `name` imports (`from builder.x import y` counts x, and x.y where y is one)."""
    path = module_path(name)
    tree = ast.parse(path.read_text(encoding="utf-8")) if path else ast.Module(body=[], type_ignores=[])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return tuple(sorted({module for module in found if module_path(module) is not None}))


def _is_data(path: Path, folder: Path) -> bool:
    """A data file of the package in `folder`, not of a subpackage (whose modules count on their own)."""
    return path.is_file() and not any((parent / "__init__.py").exists()
                                      for parent in path.parents if parent != folder and folder in parent.parents)
