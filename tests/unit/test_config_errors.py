"""No config mistake ends in a traceback: wrong types and shapes at every key give a file:line error.

Hypothesis puts generated values (scalars, lists, mappings, nested) at every key of the collection and site
models, in a valid config that sets every key once (tests/fixtures/configs/), and loads the result as a build does.
"""

from __future__ import annotations

import copy
import shutil
import typing
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from builder.config.sites import SiteConfig, load_site
from builder.errors import ConfigError
from builder.memory.catalogue_cache import cached_catalogue
from builder.views.collections import CollectionConfig, load_collection
from builder.views.findings import collection_findings
from tests.conftest import FIXTURES, SNAPSHOT

CONFIGS = FIXTURES / "configs"
KeyPath = tuple[str | int, ...]


def key_paths(model: type[BaseModel], data, path: KeyPath = ()) -> list[KeyPath]:
    """Every key of `model`, as paths into `data` (the first item of a list, the first entry of a mapping)."""
    paths = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        here = path + (key,)
        paths.append(here)
        value = data.get(key) if isinstance(data, dict) else None
        for inner_path, inner_model, inner_data in _nested(info.annotation, value, here):
            paths += key_paths(inner_model, inner_data, inner_path)
    return paths


def _nested(annotation, value, path: KeyPath):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(path, annotation, value)]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args:
        return _nested(args[0], value[0] if isinstance(value, list) and value else None, path + (0,))
    if origin is dict and len(args) == 2:
        key = next(iter(value)) if isinstance(value, dict) and value else "added"
        return _nested(args[1], value.get(key) if isinstance(value, dict) else None, path + (key,))
    return [found for arg in args for found in _nested(arg, value, path)]


def put(data, path: KeyPath, value):
    """A copy of `data` with `value` at `path`, making the mappings and list items on the way."""
    if not path:
        return value
    data = copy.deepcopy(data) if data is not None else ({} if isinstance(path[0], str) else [])
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        data = data if isinstance(data, list) else []
        if len(data) <= head:
            data.append(None)
            head = len(data) - 1
    elif not isinstance(data, dict):
        data = {}
    inner = data[head] if (isinstance(data, dict) and head in data) or isinstance(data, list) else None
    data[head] = put(inner, rest, value)
    return data


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=False),
                    st.text(max_size=12), st.dates())
WRONG = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                     max_leaves=6)


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("configs")
    shutil.copytree(CONFIGS, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return cached_catalogue(SNAPSHOT, tmp_path_factory.mktemp("cache"))[0]


COLLECTION = yaml.safe_load((CONFIGS / "every-key.yml").read_text())
SITE = yaml.safe_load((CONFIGS / "every-key-site.yml").read_text())
COLLECTION_KEYS = [()] + key_paths(CollectionConfig, COLLECTION)
SITE_KEYS = [()] + key_paths(SiteConfig, SITE)


def assert_located(error: ConfigError, shown: str) -> None:
    for problem in error.problems:
        assert problem.location.path == shown and problem.location.line, str(problem)


def test_every_key_of_every_nested_model_is_tried():
    assert {path[-1] for path in COLLECTION_KEYS[1:]} >= {"bins", "levels", "prefer", "contrast", "with_doi", "join"}
    assert {path[-1] for path in SITE_KEYS[1:]} >= {"per_page", "social", "doi_index", "accent", "style"}
    assert len(COLLECTION_KEYS) > 60 and len(SITE_KEYS) > 35


def test_the_fixtures_are_valid(configs, catalogue):
    load_collection(configs / "every-key.yml", catalogue, "every-key.yml")
    load_site(configs / "every-key-site.yml", "every-key-site.yml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(path=st.sampled_from(COLLECTION_KEYS), value=WRONG)
def test_any_value_at_any_collection_key_loads_or_names_file_and_line(configs, catalogue, path, value):
    target = configs / "collections-fuzzed.yml"
    target.write_text(yaml.safe_dump(put(COLLECTION, path, value), sort_keys=False, allow_unicode=True))
    try:
        collection = load_collection(target, catalogue, "collections/fuzzed.yml")
    except ConfigError as error:
        assert_located(error, "collections/fuzzed.yml")
    else:
        collection_findings(collection, catalogue)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(path=st.sampled_from(SITE_KEYS), value=WRONG)
def test_any_value_at_any_site_key_loads_or_names_file_and_line(configs, path, value):
    target = configs / "site-fuzzed.yml"
    target.write_text(yaml.safe_dump(put(SITE, path, value), sort_keys=False, allow_unicode=True))
    try:
        load_site(target, "site_config/fuzzed.yml")
    except ConfigError as error:
        assert_located(error, "site_config/fuzzed.yml")
