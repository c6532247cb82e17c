"""The one code fingerprint covers what each memory's results are really made with."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from builder.memory import catalogue_cache, fingerprint
from builder.memory.fingerprint import PACKAGE, code_files, code_fingerprint
from builder.render import images
from tests.conftest import REPO


def loaded_builder_files(*modules: str) -> set[Path]:
    """The builder source files Python really loads to import `modules`, in a fresh interpreter."""
    program = (f"import importlib, json, sys\nfor m in {list(modules)!r}: importlib.import_module(m)\n"
               "print(json.dumps(sorted(getattr(m, '__file__', None) or '' for n, m in sys.modules.items()"
               " if n == 'builder' or n.startswith('builder.'))))")
    out = subprocess.run([sys.executable, "-c", program], cwd=REPO, check=True, capture_output=True, text=True)
    return {Path(name).resolve() for name in json.loads(out.stdout) if name}


@pytest.mark.parametrize("modules", [catalogue_cache.CODE, images.CODE, ("builder.render.site",),
                                     ("builder.commands.build",)], ids=["catalogue", "images", "pages", "settings"])
def test_every_module_loaded_is_in_the_fingerprint(modules):
    """A change to any module a result is made with must change its fingerprint, or a build reuses stale results."""
    missing = loaded_builder_files(*modules) - set(code_files(*modules))
    assert not missing, f"not in the fingerprint: {sorted(str(p.relative_to(PACKAGE)) for p in missing)}"


def test_the_catalogue_fingerprint_covers_the_icat_schema_and_vocabulary():
    names = {path.name for path in code_files(*catalogue_cache.CODE)}
    assert {"icatdata-5.0.xsd", "esrf-icat-parameters.tsv", "atlasgen-parameters.tsv"} <= names


def test_a_page_module_is_not_part_of_the_catalogue_fingerprint():
    """Editing a template helper must not throw every cached catalogue away."""
    names = {path.relative_to(PACKAGE).as_posix() for path in code_files(*catalogue_cache.CODE)}
    assert "render/context.py" not in names and "catalogue/records.py" in names


def test_the_fingerprint_changes_with_a_module(tmp_path, monkeypatch):
    copy = tmp_path / "builder"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_fingerprint(*catalogue_cache.CODE)
    monkeypatch.setattr(fingerprint, "PACKAGE", copy)
    monkeypatch.setattr(fingerprint, "code_fingerprint", cache(fingerprint.code_fingerprint.__wrapped__))
    monkeypatch.setattr(fingerprint, "code_files", cache(fingerprint.code_files.__wrapped__))
    same = fingerprint.code_fingerprint(*catalogue_cache.CODE)
    (copy / "catalogue" / "provenance.py").write_text("# edited\n", encoding="utf-8")
    fingerprint.code_fingerprint.cache_clear(), fingerprint.code_files.cache_clear()
    assert same == before and fingerprint.code_fingerprint(*catalogue_cache.CODE) != before
