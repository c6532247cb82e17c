"""The top-level entities of a dump in atlasgen's own layout, found without parsing it.

`write_snapshot` indents a dump two spaces a level, so every entity of a
`<data>` element starts on a line indented four spaces with its tag and
ends on such a line with its end tag. `scan` finds those lines with one
regular expression and checks that nothing but white space lies between
the entities. Each entity's bytes get a digest: an entity whose bytes were
parsed before need not be parsed again (`delta.py`).

A line can look like a tag and be inside a comment or CDATA section; then
the bytes from it to the next boundary are not one whole element. So the
bytes of every chunk are trusted only once parsed alone as exactly one
element (or identical to bytes that were): a comment or CDATA section cut
in two leaves neither half well-formed. Any other layout makes `scan`
return None, and the file is parsed whole.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

DECLARATION = re.compile(rb"<\?xml version=(['\"])1\.0\1 encoding=(['\"])(?i:utf-8)\2\?>")
# A tag at the start of a line indented four spaces or less: (indent, "/" if an end tag, name).
TAG = re.compile(rb"\n( {0,4}+)<(/?)([^\s/>]+)")


@dataclass(frozen=True, slots=True)
class Chunk:
    """The bytes of one top-level entity: data[start:end], from its first line to the end of its last."""

    start: int
    end: int
    line: int  # of its start tag, 1-based
    digest: bytes


@dataclass(frozen=True)
class Layout:
    head: bytes  # the <head> element
    head_line: int
    chunks: tuple[Chunk, ...]


def chunk_digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()  # the fastest of hashlib's where the CPU has SHA instructions


def scan(data: bytes) -> Layout | None:
    """The head and the entities of a dump written as `write_snapshot` writes; None for any other layout."""
    declaration = DECLARATION.match(data)
    if declaration is None:
        return None
    tokens = [(m.start() + 1, len(m.group(1)), m.group(2), m.group(3)) for m in TAG.finditer(data)]
    try:
        return _Walk(data, tokens, declaration.end()).layout()
    except _NotOurs:
        return None


class _NotOurs(Exception):
    """The tags are not laid out as write_snapshot lays them out."""


class _Walk:
    """Reads the tags TAG found as: <icatdata>, <head>...</head>, <data> elements of entities, </icatdata>."""

    def __init__(self, data: bytes, tokens: list[tuple[int, int, bytes, bytes]], position: int):
        self.data = data
        self.tokens = tokens
        self.index = 0
        self.position = position  # the end of what has been read
        self.line, self.line_counted_to = 1, 0

    def layout(self) -> Layout:
        self._tag(0, b"", b"icatdata")
        head_start = self._tag(2, b"", b"head")
        head_line = self._line_at(head_start)
        while self._next()[1:] != (2, b"/", b"head"):
            self.index += 1  # the head's own elements
        self.position = self.tokens[self.index][0]
        self._tag(2, b"/", b"head")
        head = self.data[head_start:self.position]
        chunks = []
        while self._next()[1:] == (2, b"", b"data"):
            self._tag(2, b"", b"data")
            while self._next()[1:3] == (4, b""):
                chunks.append(self._entity())
            self._tag(2, b"/", b"data")
        self._tag(0, b"/", b"icatdata")
        if self.index != len(self.tokens) or self.data[self.position:].strip():
            raise _NotOurs
        return Layout(head, head_line, tuple(chunks))

    def _next(self) -> tuple[int, int, bytes, bytes]:
        if self.index >= len(self.tokens):
            raise _NotOurs
        return self.tokens[self.index]

    def _tag(self, indent: int, slash: bytes, name: bytes) -> int:
        """Read the next tag, which must be this one, after nothing but white space; where its line starts."""
        start, *rest = self._next()
        if rest != [indent, slash, name]:
            raise _NotOurs
        self._skip_space_to(start)
        self.index += 1
        self.position = self._line_end(start)
        if not self.data[start:self.position].rstrip().endswith(b">"):  # e.g. a last '</icatdata' cut short
            raise _NotOurs
        return start

    def _entity(self) -> Chunk:
        start, _, _, name = self.tokens[self.index]
        self._skip_space_to(start)
        self.index += 1
        end = self._line_end(start)
        first_line = self.data[start:end].rstrip()
        if not (first_line.endswith(b"/>") or first_line.endswith(b"</" + name + b">")):  # not on one line
            closing, indent, slash, closing_name = self._next()  # tags between are deeper than four spaces
            if (indent, slash, closing_name) != (4, b"/", name):
                raise _NotOurs
            self.index += 1
            end = self._line_end(closing)
        self.position = end
        return Chunk(start, end, self._line_at(start), chunk_digest(self.data[start:end]))

    def _skip_space_to(self, position: int) -> None:
        if self.data[self.position:position].strip():
            raise _NotOurs

    def _line_end(self, position: int) -> int:
        end = self.data.find(b"\n", position)
        return len(self.data) if end < 0 else end

    def _line_at(self, position: int) -> int:
        """Asked in increasing positions: count the newlines since the last one."""
        self.line += self.data.count(b"\n", self.line_counted_to, position)
        self.line_counted_to = position
        return self.line
