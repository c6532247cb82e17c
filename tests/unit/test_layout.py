"""The folders are the pipeline: each stage imports only the stages below it, and no module imports itself back.

The table is docs/architecture.md's; a change to it is a change of design, made there first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from builder.memory.fingerprint import PACKAGE, imported_modules

BASE = "base"  # builder's own top-level helpers: errors, progress, project, ...
TOP = {"cli", "__main__"}  # the command line: may import every stage
MAY_IMPORT = {
    BASE: set(),
    "config": {BASE},
    "catalogue": {BASE},
    "memory": {BASE, "catalogue"},
    "publish": {BASE, "memory"},
    "views": {BASE, "config", "catalogue", "memory"},
    "harvest": {BASE, "config", "catalogue", "views"},
    "render": {BASE, "config", "catalogue", "memory", "publish", "views"},
    "commands": {BASE, "config", "catalogue", "memory", "publish", "views", "harvest", "render"},
}


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def stage_of(module: str) -> str:
    """builder.render.site -> render; builder.errors -> base; builder.cli -> cli."""
    parts = module.split(".")
    if len(parts) == 1:
        return BASE
    if (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return parts[1] if parts[1] in TOP else BASE


def test_every_folder_of_builder_is_a_known_stage():
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert folders == set(MAY_IMPORT) - {BASE}


@pytest.mark.parametrize("module", module_names())
def test_a_module_imports_only_its_own_stage_and_those_below(module):
    stage = stage_of(module)
    if stage in TOP:
        return
    upward = [f"{target} ({stage_of(target)})" for target in imported_modules(module)
              if stage_of(target) != stage and stage_of(target) not in MAY_IMPORT[stage]]
    assert not upward, f"{module} ({stage}) imports {', '.join(upward)}"


def test_no_module_imports_itself_back():
    graph = {module: [t for t in imported_modules(module) if t != module and t != module.rpartition(".")[0]]
             for module in module_names()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in graph.get(module, ()):
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                walk(target, path + [target])
        state[module] = 2

    for module in graph:
        if module not in state:
            walk(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_stage_table_is_the_one_documented():
    text = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for stage, allowed in MAY_IMPORT.items():
        if stage != BASE:
            assert f"| `{stage}/` |" in text, f"docs/architecture.md does not describe {stage}/"


def _attribute_names(path: Path) -> set[str]:
    """Every name and dotted attribute a module's code mentions: 'ProcessPoolExecutor', 'os.replace', ..."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            names.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("helper, names", [
    ("workers.py", {"ProcessPoolExecutor", "multiprocessing.Pool"}),  # the one worker pool
    ("files.py", {"os.replace", "tempfile.mkstemp", "mkstemp", "NamedTemporaryFile"}),  # the one atomic write
])
def test_one_module_starts_worker_pools_and_one_writes_files_atomically(helper, names):
    users = sorted(path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
                   if _attribute_names(path) & names)
    assert users == [helper]
