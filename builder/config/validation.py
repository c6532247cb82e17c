"""Validate YAML documents against typed config models, with file:line errors.

Every config model forbids unknown keys and is frozen after validation.
Errors are collected, not stopped at: a curator sees all of them at once.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from builder.config.yamlfile import KeyPath, YamlDocument
from builder.errors import ConfigError, Problem

Model = TypeVar("Model", bound=BaseModel)


class ConfigModel(BaseModel):
    """Base of every config section: strict keys, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def suggest(word: str, choices: typing.Iterable[str]) -> str:
    """A ' (did you mean ...?)' hint, or ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate_document(model: type[Model], document: YamlDocument, context: dict[str, Any] | None = None) -> Model:
    """Build `model` from the document, or raise ConfigError listing every problem."""
    data = document.data if document.data is not None else {}
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        problems = [_problem(model, document, item) for item in error.errors()]
        raise ConfigError(_unique(problems)) from None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    kept = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            kept.append(problem)
    return kept


def _problem(model: type[BaseModel], document: YamlDocument, item: dict[str, Any]) -> Problem:
    loc: KeyPath = tuple(part for part in item["loc"] if isinstance(part, (int, str)) and not _is_tag(part))
    kind = item["type"]
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        return document.problem(
            loc, f"unknown key{suggest(str(loc[-1]), allowed)}; expected one of: {', '.join(allowed)}", at_key=True
        )
    if kind == "missing":
        return document.problem(loc, "required key is missing")
    return document.problem(loc, _message(item))


def _message(item: dict[str, Any]) -> str:
    message = item["msg"].removeprefix("Value error, ")
    value = item.get("input")
    kind = item["type"]
    if kind.startswith(("int_", "float_", "bool_", "string_type", "list_type", "dict_type", "model_type")):
        message = f"{message}, got {_describe(value)}"
        if isinstance(value, str) and value.lower() in {"true", "false", "yes", "no"}:
            message += " (hint: remove the quotes around a boolean)"
        elif isinstance(value, str) and _looks_numeric(value):
            message += " (hint: remove the quotes around a number)"
    return message


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_tag(part: Any) -> bool:
    """Pydantic inserts union member names like 'function-after[...]' into locations."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _fields_at(model: Any, path: KeyPath) -> set[str]:
    """The keys allowed at `path` inside `model`, walking nested models."""
    current: Any = model
    for part in path:
        current = _descend(current, part)
        if current is None:
            return set()
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return {info.alias or name for name, info in current.model_fields.items()}
    return set()


def _descend(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Union-with-None and Annotated wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            annotation = models[0] if models else members[0]
        else:
            return annotation
