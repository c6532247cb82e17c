"""Display rules: which groups and fields a dataset page shows, chosen by technique, instrument and date.

A collection's `display` is a list of rules tried in order; the first whose
`when` matches a dataset decides its page. A rule without `when` is the
default and comes last; without any rule that matches, a page shows every
group. A rule also says which key results of processed datasets a page
lists, and which of them ranks a best result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Literal, Mapping, Sequence

from pydantic import Field, model_validator

from builder.catalogue.records import Dataset
from builder.config.validation import ConfigModel, suggest
from builder.config.yamlfile import KeyPath, YamlDocument
from builder.errors import Problem


class When(ConfigModel):
    """Every condition given must hold; a list holds when any of its items does."""

    techniques: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)
    dataset_types: list[str] = Field(default_factory=list)
    start: date | None = Field(None, description="datasets started on this day or later")
    end: date | None = Field(None, description="datasets started on this day or earlier")

    @model_validator(mode="after")
    def ordered(self) -> "When":
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"'start' ({self.start}) is after 'end' ({self.end})")
        return self


class GroupChoice(ConfigModel):
    """A group of the collection, optionally with other fields or another order."""

    group: str
    fields: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def from_name(cls, value: Any) -> Any:
        return {"group": value} if isinstance(value, str) else value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler) -> dict:
        """Editors learn that a group's name alone is a choice too."""
        return {"anyOf": [{"type": "string", "description": "a group's name"}, handler(core_schema)]}


class Best(ConfigModel):
    field: str
    prefer: Literal["lowest", "highest"] = "highest"


class Results(ConfigModel):
    """What a page lists of the processed datasets made from its dataset."""

    fields: list[str] = Field(default_factory=list, description="key results, as columns")
    best: Best | None = None


class DisplayRule(ConfigModel):
    name: str | None = None
    when: When | None = None
    groups: list[GroupChoice]
    results: Results = Field(default_factory=Results)


# ---------------------------------------------------------------- checking


def check(rules: Sequence[DisplayRule], groups: Mapping[str, Any], fields: Iterable[str], document: YamlDocument,
          datasets: Sequence[Dataset]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): names that refer to nothing; a misplaced default; rules that overlap or match nothing."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    known = set(fields)

    def check_field(path: KeyPath, name: str) -> None:
        if name not in known:
            errors.append(document.problem(path, f"names no field of 'fields'{suggest(name, known)}"))

    for r, rule in enumerate(rules):
        here: KeyPath = ("display", r)
        if rule.when is None and r != len(rules) - 1:
            errors.append(document.problem(here, "a rule without 'when' is the default and must come last"))
        for g, choice in enumerate(rule.groups):
            if choice.group not in groups:
                errors.append(document.problem((*here, "groups", g), f"names no group '{choice.group}'"
                                                                     f"{suggest(choice.group, groups)}; groups are "
                                                                     f"named by 'name', else by 'label'"))
            for f, name in enumerate(choice.fields or ()):
                check_field((*here, "groups", g, "fields", f), name)
        for f, name in enumerate(rule.results.fields):
            check_field((*here, "results", "fields", f), name)
        if rule.results.best:
            check_field((*here, "results", "best", "field"), rule.results.best.field)
    if errors:
        return errors, warnings
    for r, rule in enumerate(rules):
        if rule.when is None:
            continue
        for earlier in range(r):
            if rules[earlier].when is not None and _overlap(rules[earlier].when, rule.when):
                warnings.append(document.problem(("display", r), (
                    f"overlaps display[{earlier}] {_describe(rules[earlier], document, earlier)}: a dataset matching "
                    f"both is shown by display[{earlier}], the first match")))
        if not any(matches(rule.when, dataset) for dataset in datasets):
            warnings.append(document.problem(("display", r, "when"), "matches no dataset of the collection"))
    return errors, warnings


def _describe(rule: DisplayRule, document: YamlDocument, index: int) -> str:
    line = document.locate(("display", index)).line
    return f"('{rule.name}', line {line})" if rule.name else f"(line {line})"


def _overlap(first: When, second: When) -> bool:
    """Whether some dataset could match both."""
    for name in ("techniques", "instruments", "dataset_types"):
        a, b = set(getattr(first, name)), set(getattr(second, name))
        if a and b and not a & b:
            return False
    low = max((d for d in (first.start, second.start) if d), default=None)
    high = min((d for d in (first.end, second.end) if d), default=None)
    return low is None or high is None or low <= high


# ---------------------------------------------------------------- matching


def matches(when: When, dataset: Dataset) -> bool:
    if when.techniques and not any(t.name in when.techniques for t in dataset.techniques):
        return False
    if when.instruments and not any(i.name in when.instruments for i in dataset.instruments):
        return False
    if when.dataset_types and dataset.dataset_type not in when.dataset_types:
        return False
    if when.start or when.end:
        day = (dataset.start_date or "")[:10]
        if not day:
            return False
        if when.start and day < when.start.isoformat():
            return False
        if when.end and day > when.end.isoformat():
            return False
    return True


@dataclass(frozen=True)
class Layout:
    """What a page shows: groups as (label, fields), and the columns and ranking of processed results."""

    groups: tuple[tuple[str, tuple[str, ...]], ...]
    results: Results


def layouts(rules: Sequence[DisplayRule], groups: Mapping[str, Any]) -> list[Layout]:
    """One layout per rule, then the layout of every group (used when no rule matches)."""
    made = []
    for rule in rules:
        chosen = tuple((groups[c.group].label, tuple(c.fields if c.fields is not None else groups[c.group].fields))
                       for c in rule.groups)
        made.append(Layout(chosen, rule.results))
    made.append(Layout(tuple((g.label, tuple(g.fields)) for g in groups.values()), Results()))
    return made


def choose(rules: Sequence[DisplayRule], dataset: Dataset) -> int:
    """The index of the first rule that matches, or len(rules) for every group."""
    for index, rule in enumerate(rules):
        if rule.when is None or matches(rule.when, dataset):
            return index
    return len(rules)
