"""Every config key and attribute a curator can use is documented."""

import re
import typing

from pydantic import BaseModel

from builder.config.sites import SiteConfig
from builder.views.collections import ATTRIBUTES, CollectionConfig
from tests.conftest import REPO


def keys_of(model: type[BaseModel]) -> set[str]:
    found = set()
    for name, info in model.model_fields.items():
        found.add(name)
        for inner in _models(info.annotation):
            found |= keys_of(inner)
    return found


def _models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def documented(page: str) -> set[str]:
    text = (REPO / "docs" / page).read_text()
    return set(re.findall(r"`([a-z_]+)`", text))


def test_every_collection_key_is_documented():
    assert keys_of(CollectionConfig) - documented("collections.md") == set()


def test_every_attribute_is_documented():
    assert set(ATTRIBUTES) - documented("collections.md") == set()


def test_every_site_key_is_documented():
    assert keys_of(SiteConfig) - documented("sites.md") == set()
