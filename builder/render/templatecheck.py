"""Check a site's templates before anything is rendered, and name the template line of an error while rendering.

A template that is not UTF-8, does not parse, or includes or extends one that is missing is reported with its
file and line before the first page is made; so is a template of the default theme that a theme folder lacks.
An error that only rendering finds (an unknown variable) is reported at the template line it happened on.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path
from typing import Callable

from jinja2 import Environment, TemplateError, TemplateSyntaxError, nodes

from builder.errors import Location, Problem
from builder.textfiles import decode_utf8

REFERENCES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
TRACEBACK_LINE = re.compile(r'File "([^"]+\.html)", line (\d+)')


def check_templates(environment: Environment, template_dirs: list[Path], required: list[str],
                    shown: Callable[[Path], str]) -> list[Problem]:
    """Every template of `template_dirs` reads, parses and finds what it names; every `required` name exists."""
    problems = []
    names = set(environment.list_templates())
    for folder in template_dirs:
        for path in sorted(folder.rglob("*.html")):
            problems += _check_file(environment, names, path, path.relative_to(folder).as_posix(), shown(path))
    problems += [Problem(Location(shown(template_dirs[0])), f"template '{name}' not found; every theme needs it "
                                                            f"(copy it from the default theme)")
                 for name in required if name not in names]
    return problems


def _check_file(environment: Environment, names: set[str], path: Path, name: str, where: str) -> list[Problem]:
    source, problem = decode_utf8(path.read_bytes(), where)
    if problem:
        return [problem]
    try:
        tree = environment.parse(source, name, str(path))
    except TemplateSyntaxError as error:
        return [Problem(Location(where, error.lineno), f"template syntax error: {error.message}")]
    return [Problem(Location(where, node.lineno), f"template '{node.template.value}' not found")
            for node in tree.find_all(REFERENCES)
            if isinstance(node.template, nodes.Const) and node.template.value not in names]


def rendering_problem(error: TemplateError, shown: Callable[[Path], str]) -> Problem:
    """The template line a rendering error happened on, read from its traceback (a worker's too)."""
    text = "".join(traceback.format_exception(error))
    cause = error.__cause__
    if cause is not None:  # a worker process sends its traceback as the cause's text
        text = str(cause) + text
    places = TRACEBACK_LINE.findall(text)
    if not places:
        return Problem(Location("templates"), f"template error: {error.message or type(error).__name__}")
    path, line = places[-1]
    return Problem(Location(shown(Path(path)), int(line)), f"template error: {error.message or error}")
