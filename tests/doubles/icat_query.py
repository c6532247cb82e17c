"""The subset of ICAT's JPQL-like search language that python-icat's Query writes.

    SELECT o | DISTINCT(o) FROM Bean o
    [JOIN alias.relation AS alias ...]
    [WHERE alias.attribute op value [AND ...]]      op: = <> < > <= >= IN
    [ORDER BY o.attribute [ASC|DESC], ...]
    [INCLUDE alias.relation [AS alias], ...]
    [LIMIT skip, count]

Values are 'text', numbers, {ts yyyy-mm-dd hh:mm:ss} and (lists, of, them).
Anything else is refused with a BAD_PARAMETER fault, as ICAT refuses what it
cannot parse, so that a query outside the subset is never silently answered.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from tests.doubles.icat_store import IcatObject, IcatStore
from tests.doubles.icat_wsdl import entity_types


class IcatFault(Exception):
    """An ICAT exception: its type (SESSION, BAD_PARAMETER, ...) and message."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<ts>\{ts [^}]*\})|(?P<number>-?\d+(?:\.\d+)?)"
                   r"|(?P<op><>|<=|>=|[=<>(),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))")
COMPARE: dict[str, Callable[[Any, Any], bool]] = {"=": operator.eq, "<>": operator.ne, "<": operator.lt,
                                                  ">": operator.gt, "<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Condition:
    alias: str
    attribute: str
    op: str
    value: Any


@dataclass(frozen=True)
class Query:
    bean: str
    distinct: bool
    joins: tuple[tuple[str, str, str], ...]  # (alias, relation, new alias)
    conditions: tuple[Condition, ...]
    order: tuple[tuple[str, bool], ...]  # (attribute of o, descending)
    includes: frozenset[str]  # relation paths from o: "content", "content.dataCollectionDatasets"
    limit: tuple[int, int] | None


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:
            raise IcatFault("BAD_PARAMETER", f"Unexpected input at offset {position} in query: {text[position:]!r}")
        found.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.position = 0

    def fail(self, what: str) -> IcatFault:
        near = " ".join(value for _, value in self.tokens[self.position:self.position + 3]) or "end of query"
        return IcatFault("BAD_PARAMETER", f"Expected {what} near '{near}' in query: {self.text}")

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None, kind: str | None = None) -> str:
        if self.position >= len(self.tokens):
            raise self.fail(expected or kind or "more")
        token_kind, value = self.tokens[self.position]
        if (expected is not None and value.upper() != expected) or (kind is not None and token_kind != kind):
            raise self.fail(expected or kind or "")
        self.position += 1
        return value

    def accept(self, keyword: str) -> bool:
        if (self.peek() or "").upper() == keyword:
            self.position += 1
            return True
        return False

    def parse(self) -> Query:
        self.take("SELECT")
        distinct = self.accept("DISTINCT")
        if distinct:
            self.take("(")
        self.take("O")
        if distinct:
            self.take(")")
        self.take("FROM")
        bean = self.take(kind="word")
        if bean not in entity_types():
            raise IcatFault("BAD_PARAMETER", f"Unknown entity type '{bean}' in query: {self.text}")
        self.take("O")
        joins = []
        while self.accept("JOIN"):
            alias, relation = self.path()
            self.take("AS")
            joins.append((alias, relation, self.take(kind="word")))
        conditions = self.conditions() if self.accept("WHERE") else ()
        order = self.order() if self.accept("ORDER") else ()
        includes = self.includes(joins) if self.accept("INCLUDE") else frozenset()
        limit = None
        if self.accept("LIMIT"):
            skip = int(self.take(kind="number"))
            self.take(",")
            limit = (skip, int(self.take(kind="number")))
        if self.peek() is not None:
            raise self.fail("the end of the query")
        return Query(bean, distinct, tuple(joins), conditions, order, includes, limit)

    def path(self) -> tuple[str, str]:
        word = self.take(kind="word")
        alias, _, rest = word.partition(".")
        if not rest or "." in rest:
            raise self.fail("alias.name")
        return alias, rest

    def conditions(self) -> tuple[Condition, ...]:
        found = [self.condition()]
        while self.accept("AND"):
            found.append(self.condition())
        return tuple(found)

    def condition(self) -> Condition:
        alias, attribute = self.path()
        if self.accept("IN"):
            self.take("(")
            values = [self.value()]
            while self.accept(","):
                values.append(self.value())
            self.take(")")
            return Condition(alias, attribute, "IN", tuple(values))
        op = self.take(kind="op")
        if op not in COMPARE:
            raise self.fail("a comparison")
        return Condition(alias, attribute, op, self.value())

    def value(self) -> Any:
        kind, text = self.tokens[self.position] if self.position < len(self.tokens) else (None, "")
        self.position += 1
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "ts":
            return datetime.strptime(text[4:-1].strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
        self.position -= 1
        raise self.fail("a value")

    def order(self) -> tuple[tuple[str, bool], ...]:
        self.take("BY")
        found = []
        while True:
            alias, attribute = self.path()
            if alias != "o":
                raise IcatFault("NOT_IMPLEMENTED", f"This ICAT orders only by attributes of o: {self.text}")
            descending = self.accept("DESC")
            if not descending:
                self.accept("ASC")
            found.append((attribute, descending))
            if not self.accept(","):
                return tuple(found)

    def includes(self, joins: list[tuple[str, str, str]]) -> frozenset[str]:
        paths = {"o": ""}
        for alias, relation, new_alias in joins:  # JOIN aliases name paths in INCLUDE too
            paths.setdefault(new_alias, f"{paths.get(alias, '?')}.{relation}".lstrip("."))
        found = set()
        while True:
            alias, relation = self.path()
            if alias not in paths:
                raise IcatFault("BAD_PARAMETER", f"Unknown alias '{alias}' in INCLUDE of query: {self.text}")
            full = f"{paths[alias]}.{relation}".lstrip(".")
            found.add(full)
            if self.accept("AS"):
                paths[self.take(kind="word")] = full
            if not self.accept(","):
                return frozenset(found)


def parse_query(text: str) -> Query:
    return _Parser(text).parse()


# ---------------------------------------------------------------- evaluation


def run_query(store: IcatStore, query: Query) -> list[IcatObject]:
    """The objects a query selects, in its order and within its limit."""
    rows: list[dict[str, IcatObject]] = [{"o": obj} for obj in store.of_bean(query.bean)]
    for alias, relation, new_alias in query.joins:
        rows = [{**row, new_alias: target} for row in rows for target in _follow(row, alias, relation, query)]
    rows = [row for row in rows if all(_holds(row, condition, query) for condition in query.conditions)]
    selected = [row["o"] for row in rows]
    if query.distinct:
        selected = list({id(obj): obj for obj in selected}.values())
    for attribute, descending in reversed(query.order):
        _check_attribute(query.bean, attribute)
        selected.sort(key=lambda obj: (obj.value(attribute) is None, obj.value(attribute)), reverse=descending)
    if query.limit is not None:
        skip, count = query.limit
        selected = selected[skip:skip + count]
    return selected


def _follow(row: dict[str, IcatObject], alias: str, relation: str, query: Query) -> list[IcatObject]:
    if alias not in row:
        raise IcatFault("BAD_PARAMETER", f"Unknown alias '{alias}' in query on {query.bean}")
    source = row[alias]
    spec = source.type.field(relation)
    if spec is None or spec.rel_type == "ATTRIBUTE":
        raise IcatFault("BAD_PARAMETER", f"{source.bean} has no relation '{relation}'")
    if spec.rel_type == "ONE":
        return [source.one[relation]] if relation in source.one else []
    return list(source.many.get(relation, []))


def _holds(row: dict[str, IcatObject], condition: Condition, query: Query) -> bool:
    if condition.alias not in row:
        raise IcatFault("BAD_PARAMETER", f"Unknown alias '{condition.alias}' in query on {query.bean}")
    obj = row[condition.alias]
    _check_attribute(obj.bean, condition.attribute)
    value = obj.value(condition.attribute)
    if value is None:
        return False
    if condition.op == "IN":
        return value in condition.value
    try:
        return COMPARE[condition.op](value, condition.value)
    except TypeError:
        raise IcatFault("BAD_PARAMETER", f"Cannot compare {obj.bean}.{condition.attribute} with "
                                         f"{condition.value!r}") from None


def _check_attribute(bean: str, attribute: str) -> None:
    spec = entity_types()[bean].field(attribute)
    if attribute not in ("id", "createId", "createTime", "modId", "modTime") and (
            spec is None or spec.rel_type != "ATTRIBUTE"):
        raise IcatFault("BAD_PARAMETER", f"{bean} has no attribute '{attribute}'")
