"""The one Jinja environment of a build: theme lookup, autoescaping, strict names.

Templates are searched in order: the site's override folder, its theme,
then the default theme. `{% extends "default:dataset.html" %}` always
reaches the default theme, so an override can extend what it replaces.
"""

from __future__ import annotations

import hashlib
import traceback
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from markupsafe import Markup

from builder.errors import ConfigError, Location, Problem
from builder.render.drawing import Fonts

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_FILES = (".html", ".xml", ".txt", ".j2", ".jinja")  # how a theme's template files are named
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")  # regular, bold: in a theme's fonts/ folder


def builtin_themes() -> Path:
    """The themes shipped with atlasgen: inside the installed package, or beside it in a checkout."""
    installed = PACKAGE / "themes"
    return installed if installed.is_dir() else PACKAGE.parent / "themes"


def default_templates() -> list[str]:
    """The templates of the default theme: the pages a build renders by name, and what they include."""
    folder = builtin_themes() / "default" / "templates"
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.html"))


def theme_dirs(themes_root: Path, theme: str, override: Path | None, where: Location | None = None) -> list[Path]:
    """Template folders, most specific first; a theme not found is an error at `where` (a site's `theme:`)."""
    roots = [themes_root, builtin_themes()]
    dirs = [override] if override else []
    for name in dict.fromkeys([theme, "default"]):
        found = next((root / name / "templates" for root in roots if (root / name / "templates").is_dir()), None)
        if found is None:
            raise ConfigError(Problem(where or Location(str(themes_root / name)),
                                      f"theme '{name}' not found in {themes_root} or the built-in themes"))
        dirs.append(found)
    return dirs


def make_environment(template_dirs: list[Path]) -> Environment:
    default = template_dirs[-1]
    loader = ChoiceLoader([
        PrefixLoader({"default": FileSystemLoader(str(default))}, delimiter=":"),
        FileSystemLoader([str(d) for d in template_dirs]),
    ])
    environment = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    # Fragments that repeat across thousands of pages are rendered once per distinct value.
    environment.globals["people"] = cached_partial(environment, "people.html", "people")
    environment.globals["group_html"] = cached_partial(environment, "group.html", "group", size=65536)
    environment.globals["picture"] = picture_partial(environment)
    environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return environment


def template_error(error: Exception) -> ConfigError | None:
    """A template's mistake as an error at its file and line: a syntax error, or what rendering it raised in
    one of its lines (Jinja puts the template's lines in the traceback); None if no template is to blame."""
    if isinstance(error, TemplateSyntaxError):
        where = Location(error.filename or error.name or "<template>", error.lineno)
        return ConfigError(Problem(where, f"template syntax error: {error.message}"))
    lines = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.endswith(TEMPLATE_FILES)]
    if not lines and not isinstance(error, TemplateError):
        return None
    where = Location(lines[-1].filename, lines[-1].lineno) if lines else Location("<template>")
    return ConfigError(Problem(where, f"template error: {type(error).__name__}: {error}"))


def cached_partial(environment: Environment, template: str, name: str, size: int = 4096):
    """A template rendered once per distinct argument: author lists repeat across thousands of pages."""

    @lru_cache(maxsize=size)
    def render(value) -> Markup:
        return Markup(environment.get_template(template).render({name: value}))

    return render


def picture_partial(environment: Environment, size: int = 65536):
    """`picture(image, sizes, root)`: the <picture> of an ImageSet, rendered once per image and page depth."""

    @lru_cache(maxsize=size)
    def render(image, sizes: str, root: str) -> Markup:
        return Markup(environment.get_template("picture.html").render(image=image, sizes=sizes, root=root))

    return render


def theme_fonts(template_dirs: list[Path]) -> Fonts:
    """The fonts of generated images: from the most specific theme that has them (the default theme does)."""
    found = []
    for name in FONT_FILES:
        candidates = [d.parent / "fonts" / name for d in template_dirs]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise ConfigError(Problem(Location(str(candidates[-1])), "font for generated images not found"))
        found.append(str(path))
    return Fonts(*found)


def static_dirs(template_dirs: list[Path]) -> list[Path]:
    """Static asset folders beside the template folders, least specific first (later ones win)."""
    return [d.parent / "static" for d in reversed(template_dirs) if (d.parent / "static").is_dir()]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


BRAND_STYLESHEET = "css/brand.css"  # among the static assets: a strict CSP allows no inline <style>


def brand_stylesheet(colour: str, accent: str) -> str:
    """The site's brand colours as CSS variables (validated '#rrggbb' values)."""
    return f":root {{ --brand: {colour}; --accent: {accent}; }}\n"
