"""Provenance: which datasets a processed dataset was made from, linked both ways.

ICAT records provenance on the processed dataset: its `input_datasets`
parameter lists the locations of the datasets it was made from. This
module turns those locations into links between dataset keys, once per
catalogue. A location that is no dataset's is reported and left out; a
link that closes a cycle is reported and left out too, so that the links
form a graph without cycles and every walk along them ends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from builder.errors import Location, Problem


@dataclass(frozen=True)
class Provenance:
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # processed key -> input keys
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # input key -> processed keys
    missing: tuple[tuple[str, str], ...] = ()  # (dataset key, location that is no dataset's)
    cycles: tuple[tuple[str, ...], ...] = ()  # keys around a cycle; the link from the last to the first is left out


def _clean(location: str) -> str:
    return location.rstrip("/")


def link(locations: Mapping[str, str | None], wanted: Mapping[str, tuple[str, ...]]) -> Provenance:
    """Links from dataset locations (key -> location) and the input locations each dataset names."""
    by_location = {_clean(location): key for key, location in sorted(locations.items()) if location}
    inputs: dict[str, list[str]] = {}
    missing: list[tuple[str, str]] = []
    for key in sorted(wanted):
        found: list[str] = []
        for location in wanted[key]:
            target = by_location.get(_clean(location))
            if target is None:
                missing.append((key, location))
            elif target not in found:
                found.append(target)
        if found:
            inputs[key] = found
    cycles = _break_cycles(inputs)
    derived: dict[str, list[str]] = defaultdict(list)
    for key in sorted(inputs):
        for source in inputs[key]:
            derived[source].append(key)
    return Provenance(
        inputs={key: tuple(found) for key, found in inputs.items() if found},
        derived={key: tuple(found) for key, found in sorted(derived.items())},
        missing=tuple(missing),
        cycles=tuple(cycles),
    )


def _break_cycles(inputs: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """Remove every link that closes a cycle (depth-first, in key order); return each cycle found."""
    cycles: list[tuple[str, ...]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(inputs):
        if start in state:
            continue
        path = [start]
        state[start] = 1
        pending = [iter(list(inputs.get(start, ())))]
        while pending:
            target = next(pending[-1], None)
            if target is None:
                state[path.pop()] = 2
                pending.pop()
                continue
            if state.get(target) == 1:  # back to a dataset on the path: a cycle
                cycles.append(tuple(path[path.index(target):]))
                inputs[path[-1]].remove(target)
            elif target not in state:
                state[target] = 1
                path.append(target)
                pending.append(iter(list(inputs.get(target, ()))))
    return cycles


def walk(start: str, links: Mapping[str, tuple[str, ...]]) -> list[tuple[str, int]]:
    """Every dataset reachable from `start` along `links`, breadth first, each once: (key, distance)."""
    seen = {start}
    found: list[tuple[str, int]] = []
    level: Iterable[str] = [start]
    distance = 0
    while level:
        distance += 1
        following = []
        for key in level:
            for target in links.get(key, ()):
                if target not in seen:
                    seen.add(target)
                    found.append((target, distance))
                    following.append(target)
        level = following
    return found


def problems_of(provenance: Provenance, names: Mapping[str, str], lines: Mapping[str, int | None],
                path: str) -> tuple[Problem, ...]:
    """What was left out, as problems naming the snapshot and the line of the dataset that names the input."""
    def where(key: str) -> Location:
        return Location(path, lines.get(key), None, f"dataset '{names[key]}' input_datasets")

    problems = [Problem(where(key), f"no dataset of the snapshot is at '{location}'; the link is left out")
                for key, location in provenance.missing]
    for cycle in provenance.cycles:
        chain = " -> ".join(f"'{names[key]}'" for key in [*cycle, cycle[0]])
        problems.append(Problem(where(cycle[-1]), f"inputs form a cycle ({chain}, each made from the next); "
                                                  f"the link from '{names[cycle[-1]]}' to '{names[cycle[0]]}' "
                                                  "is left out"))
    return tuple(problems)
