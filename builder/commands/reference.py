"""The reference the docs are generated from: JSON Schemas of the config models, every config key, every option.

`python scripts/make_reference.py` writes `docs/schema/*.schema.json`, `docs/config-reference.md` and
`docs/cli.md` from the models and the command line parser; a test checks that the files in the repository are
what it writes, so the reference is never behind the code.
"""

from __future__ import annotations

import argparse
import json
import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from builder.config.sites import SiteConfig
from builder.views.collections import CollectionConfig

MODELS = {"collection": (CollectionConfig, "collections/*.yml", "collections.md"),
          "site": (SiteConfig, "site_config/*.yml", "sites.md")}
SCHEMA_FOLDER = "docs/schema"


def schema_text(kind: str) -> str:
    """The JSON Schema of a config file, as editors read it (yaml-language-server, VS Code, PyCharm)."""
    model, files, _ = MODELS[kind]
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema()}
    schema["title"] = f"atlasgen {kind} config ({files})"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def config_keys(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key path, type, default, description) of every key of a model and the models inside it."""
    rows = []
    for name, info in model.model_fields.items():
        key = prefix + (info.alias or name)
        inner_models = _models_in(info.annotation)
        about = info.description or (_first_line(inner_models[0][0].__doc__) if inner_models else "")
        rows.append((key, _type_name(info.annotation), _default(info), about))
        for inner, marker in inner_models:
            rows += config_keys(inner, key + marker + ".")
    return rows


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _models_in(annotation) -> list[tuple[type[BaseModel], str]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, "")]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args:
        return [(model, "[]" + marker) for model, marker in _models_in(args[0])]
    if origin is dict and len(args) == 2:
        return [(model, ".NAME" + marker) for model, marker in _models_in(args[1])]
    return [found for arg in args for found in _models_in(arg)]


def _type_name(annotation) -> str:
    if isinstance(annotation, type):
        return "mapping" if issubclass(annotation, BaseModel) else {"str": "text", "int": "integer", "float": "number",
                                                                      "bool": "true/false", "date": "date"}.get(
            annotation.__name__, annotation.__name__)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is tuple:
        return f"[{', '.join(_type_name(arg) for arg in args)}]"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    members = [_type_name(arg) for arg in args if arg is not type(None)]
    return " or ".join(members) if members else str(annotation)


def _default(info) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return ""  # its keys have their own rows
    else:
        value = info.default
    if value is None or value is PydanticUndefined or value in ({}, []):
        return ""
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def config_reference() -> str:
    lines = ["# Config reference", "",
             "Every key of the collection and site configs, generated from the models atlasgen validates them with",
             "(`python scripts/make_reference.py`). The guides explain them: [collections](collections.md),",
             "[sites](sites.md). Editors that read JSON Schema complete and check keys with",
             "[collection.schema.json](schema/collection.schema.json) and [site.schema.json](schema/site.schema.json):",
             "every shipped YAML file starts with a `# yaml-language-server: $schema=` line naming one.", ""]
    for kind, (model, files, guide) in MODELS.items():
        lines += [f"## {kind.capitalize()} configs (`{files}`)", "", f"Explained in [{guide}]({guide}).", "",
                  "| key | type | default | what it is |", "|---|---|---|---|"]
        lines += [f"| `{key}` | {kind_} | {default} | {text} |".replace("  ", " ")
                  for key, kind_, default, text in config_keys(model)]
        lines.append("")
    return "\n".join(lines)


def cli_reference(parser: argparse.ArgumentParser) -> str:
    """Every command and option of the `atlasgen` command line, with its help, as Markdown."""
    lines = ["# Command line reference", "",
             "Every command and option of `atlasgen`, generated from its parser (`python scripts/make_reference.py`).",
             "`atlasgen COMMAND --help` prints the same with examples.", "",
             "Exit status: 0 success, 1 bad input (the message names file, line and key), 2 wrong usage.", ""]
    for path, command in _commands(parser, "atlasgen"):
        lines += [f"## `{path}`", "", command.description or "", "", "```", command.format_usage().strip(), "```", ""]
        rows = [(_option_names(action), action.help or "") for action in command._actions
                if action.help != argparse.SUPPRESS and not isinstance(action, argparse._SubParsersAction)
                and "-h" not in action.option_strings]
        if rows:
            lines += ["| option | what it does |", "|---|---|"]
            lines += [f"| {names} | {text.replace('|', '/')} |" for names, text in rows]
            lines.append("")
    return "\n".join(lines)


def _commands(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                inner = list(_commands(command, f"{path} {name}"))
                yield from inner or [(f"{path} {name}", command)]


def _option_names(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    value = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
    choices = f" (one of {', '.join(map(str, action.choices))})" if action.choices else ""
    return ", ".join(f"`{option}{value}`" for option in action.option_strings) + choices
