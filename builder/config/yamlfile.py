"""Load YAML and keep the line and column of every key and value.

Configs are validated after loading; the positions let each error name the
file, line and key (`collections/hoa.yml:14:5: facets[2].field: ...`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from builder.errors import ConfigError, Location, Problem
from builder.textfiles import read_utf8

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
    return parse_yaml(read_utf8(Path(path), shown), shown)


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
        what, mark = plain_words(error)
        where = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
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


# The parser's wording, as a curator would say it: (context, problem) patterns -> what to check.
PLAIN_WORDS = [
    (r"simple key", r"expected ':'", "a line above has no ':' after its key, or a key is indented wrongly"),
    (r"block mapping", r"found '<block mapping start>'",
     "this line is indented differently from the keys above it; line keys up with spaces"),
    (r"block mapping", r"found '<block sequence start>'|found '-'",
     "this list item is indented differently from the items or keys above it"),
    (r"", r"mapping values are not allowed",
     "a ':' where no key can start: indent this line like the keys above it, or put the value in quotes "
     "if it contains ': '"),
    (r"next token", r"character '\\t'", "a tab character: YAML indents with spaces only"),
    (r"next token", r"character '(.)' that cannot start", "a value cannot start with '{0}': put it in quotes"),
    (r"flow sequence", r"", "the list in [ ] opened at {opened} is not closed: a ',' or the closing ']' is missing"),
    (r"flow mapping", r"",
     "the mapping in {{ }} opened at {opened} is not closed: a ',' or the closing '}}' is missing"),
    (r"quoted scalar", r"end of stream",
     "the quoted text opened at {opened} is not closed: its closing quote is missing"),
    (r"", r"undefined alias '(.*)'", "'*{0}' names no '&{0}' written before it"),
]


def plain_words(error: yaml.MarkedYAMLError) -> tuple[str, yaml.Mark | None]:
    """What is wrong in words a curator knows, and where the parser found it (and, for an unclosed quote or
    bracket, where it opened)."""
    context, problem = error.context or "", error.problem or ""
    mark = error.problem_mark or error.context_mark
    opened = f"line {error.context_mark.line + 1}, column {error.context_mark.column + 1}" if error.context_mark else ""
    for context_pattern, problem_pattern, words in PLAIN_WORDS:
        found = re.search(problem_pattern, problem)
        if re.search(context_pattern, context) and found:
            return words.format(*found.groups(), opened=opened), mark
    return " ".join(part for part in (context, problem) if part), mark


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
