"""The one family of errors a user can cause, each naming where the problem is.

The CLI is the only place that turns these into exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in an input file: path, 1-based line and column, and the key path."""

    path: str
    line: int | None = None
    column: int | None = None
    key: str = ""

    def __str__(self) -> str:
        place = self.path
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return f"{place}: {self.key}" if self.key else place


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, at one place."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def as_json(self) -> dict:
        where = self.location
        return {"path": where.path, "line": where.line, "column": where.column, "key": where.key,
                "message": self.message, "text": str(self)}


class AtlasError(Exception):
    """Bad input: a config, a snapshot or a template a user can fix.

    Holds every problem found, so that a user sees them all at once.
    """

    kind = "input"

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(Location("<input>"), p) for p in problems]
        super().__init__(self.report())

    def __reduce__(self):  # raised in a worker process, it reaches the build with its places
        return type(self), (self.problems,)

    def report(self) -> str:
        head = f"{len(self.problems)} {self.kind} error{'s' if len(self.problems) != 1 else ''}:"
        if len(self.problems) == 1:
            return str(self.problems[0])
        return "\n".join([head] + [f"  {p}" for p in self.problems])


class ConfigError(AtlasError):
    """A collection schema or site config is invalid."""

    kind = "config"


class SnapshotError(AtlasError):
    """A snapshot file is unreadable or does not follow the ICAT dump format."""

    kind = "snapshot"


class BuildError(AtlasError):
    """The inputs are valid on their own but cannot make one consistent site."""

    kind = "build"


class HarvestError(AtlasError):
    """A source could not be harvested: the previous snapshot is unchanged."""
