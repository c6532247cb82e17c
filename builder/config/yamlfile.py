"""Load YAML and keep the line and column of every key and value.

Configs are validated after loading; the positions let each error name the
file, line and key (`collections/hoa.yml:14:5: facets[2].field: ...`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from builder.errors import ConfigError, Location, Problem

KeyPath = tuple[str | int, ...]
# Nodes that aliases may add to a document: a few aliases of aliases (a "billion laughs") would otherwise
# grow a small file into gigabytes. The curated records use a handful, each of a few nodes.
MOST_ALIASED_NODES = 100_000


def format_key(path: KeyPath) -> str:
    """`('facets', 2, 'field')` -> `facets[2].field`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass
class YamlDocument:
    """Plain data from a YAML file plus where each part of it was written."""

    path: str
    data: Any
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, key: KeyPath, *, at_key: bool = False) -> Location:
        """The position of `key`, or of its nearest written parent."""
        marks = self.key_marks if at_key else self.value_marks
        probe = tuple(key)
        while probe:
            mark = marks.get(probe) or self.value_marks.get(probe)
            if mark:
                return Location(self.path, mark[0], mark[1], format_key(key))
            probe = probe[:-1]
        return Location(self.path, 1, 1, format_key(key))

    def problem(self, key: KeyPath, message: str, *, at_key: bool = False) -> Problem:
        return Problem(self.locate(key, at_key=at_key), message)


def load_yaml(path: Path | str, *, display_path: str | None = None) -> YamlDocument:
    """Parse one YAML file; a syntax error or duplicate key raises ConfigError."""
    shown = display_path or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(Problem(Location(shown), f"cannot read file: {error.strerror}")) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        where = Location(shown, data.count(b"\n", 0, error.start) + 1, error.start - line_start + 1)
        raise ConfigError(Problem(where, f"not UTF-8 text: byte 0x{data[error.start]:02x} is {error.reason}")) \
            from error
    return parse_yaml(text, shown)


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a document whose aliases would add more than MOST_ALIASED_NODES nodes."""

    def __init__(self, text: str):
        super().__init__(text)
        self.aliased_nodes = 0
        self.sizes: dict[int, int] = {}  # id of an anchored node -> nodes in it, aliases expanded

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            anchored = self.anchors.get(event.anchor)
            if anchored is not None:
                self.aliased_nodes += _size(anchored, self.sizes)
                if self.aliased_nodes > MOST_ALIASED_NODES:
                    raise yaml.composer.ComposerError(
                        None, None, f"aliases add more than {MOST_ALIASED_NODES} values; write them out",
                        event.start_mark)
        return super().compose_node(parent, index)


def _size(node: yaml.Node, sizes: dict[int, int]) -> int:
    if id(node) not in sizes:
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else []
        sizes[id(node)] = 1 + sum(_size(child, sizes) for child in children)
    return sizes[id(node)]


def parse_yaml(text: str, shown: str) -> YamlDocument:
    loader = BoundedLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise ConfigError(Problem(Location(shown), "YAML nested too deeply")) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        what = " ".join(part for part in (error.context, error.problem) if part)
        raise ConfigError(Problem(where, f"YAML syntax error: {what}")) from error
    except yaml.YAMLError as error:
        raise ConfigError(Problem(Location(shown), f"YAML error: {error}")) from error
    finally:
        loader.dispose()
    document = YamlDocument(shown, data)
    if node is not None:
        duplicates: list[Problem] = []
        _record_marks(node, (), document, duplicates)
        if duplicates:
            raise ConfigError(duplicates)
    return document


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _record_marks(node: yaml.Node, path: KeyPath, document: YamlDocument, duplicates: list[Problem]) -> None:
    document.value_marks[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = path + (key,)
            if key in seen:
                line, column = _mark(key_node)
                duplicates.append(Problem(Location(document.path, line, column, format_key(child)), "duplicate key"))
            seen.add(key)
            document.key_marks[child] = _mark(key_node)
            _record_marks(value_node, child, document, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_marks(item, path + (index,), document, duplicates)
