"""`atlasgen export server-config`: a built site's `_headers` and 404 page as a web server's own configuration.

Static hosts (Netlify, Cloudflare Pages) read `_headers`; nginx, Apache and S3 do not. This writes what they
need to send the same: each landing page's Link header (FAIR Signposting) and every header `_headers` gives
all paths (`/*`, e.g. a Content-Security-Policy), long cache lifetimes for files whose URL changes with their
content (`/static/` assets are linked with `?v=<hash>`, `/images/` are named by their hash), revalidation for
everything else, and the site's 404 page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from builder.commands.serve import HEADERS_FILE, read_headers_file
from builder.config.sites import load_site
from builder.errors import ConfigError, Location, Problem
from builder.project import Project

FORMATS = ("nginx", "apache", "s3")
IMMUTABLE_PREFIXES = ("/static/", "/images/")  # URLs that change whenever the file does
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NOT_FOUND_PAGE = "/404.html"


@dataclass(frozen=True)
class ServerConfigOptions:
    site: str
    format: str = "nginx"
    project: Path = Path(".")
    out: Path | None = None  # folder of built sites (default: site/)
    root: str | None = None  # nginx, apache: the folder served (default: /var/www/SITE); s3: the site's key prefix


@dataclass(frozen=True)
class SiteHeaders:
    """What `_headers` says: headers of every path, and headers of single pages (by path, e.g. the Link)."""

    name: str
    host: str
    every_path: list[tuple[str, str]]
    pages: dict[str, list[tuple[str, str]]]
    not_found: bool  # the site has a 404 page


def read_site(options: ServerConfigOptions) -> SiteHeaders:
    project = Project(options.project)
    config = project.site_config / f"{options.site}.yml"
    folder = (options.out or project.root / "site") / options.site
    if not (folder / "index.html").is_file():
        raise ConfigError(Problem(Location(project.shown(folder)), "no built site here; run 'atlasgen build' first"))
    site = load_site(config, project.shown(config))
    headers_file = folder / HEADERS_FILE
    rules = read_headers_file(headers_file.read_text(encoding="utf-8")) if headers_file.is_file() else {}
    every = rules.pop("/*", [])
    return SiteHeaders(options.site, urlsplit(site.config.base_url).hostname or "_", every,
                       {unquote(path): values for path, values in sorted(rules.items())},
                       (folder / NOT_FOUND_PAGE.lstrip("/")).is_file())


def server_config(options: ServerConfigOptions) -> str:
    if options.format not in FORMATS:
        raise ConfigError(Problem(Location("--format"), f"expected one of {', '.join(FORMATS)}, got "
                                                        f"'{options.format}'"))
    site = read_site(options)
    if options.format == "s3":
        return s3(site, options.root.strip("/") + "/" if options.root and options.root.strip("/") else "")
    root = options.root or f"/var/www/{site.name}"
    return (nginx if options.format == "nginx" else apache)(site, root)


def _page_paths(path: str) -> list[str]:
    """A page's path as requested and as the server resolves it: `/doi/x/` is also `/doi/x/index.html`."""
    return [path, path + "index.html"] if path.endswith("/") else [path]


def _quoted(value: str) -> str:
    """An nginx string: backslashes and quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _apache_quoted(value: str) -> str:
    """An Apache argument: only a quote is escaped (a backslash before anything else stays as it is)."""
    return '"' + value.replace('"', '\\"') + '"'


def nginx(site: SiteHeaders, root: str) -> str:
    """A file for nginx's http context (e.g. /etc/nginx/conf.d/SITE.conf): two maps and the site's server."""
    variable = f"$atlasgen_{site.name.replace('-', '_')}"
    lines = [f"# The site '{site.name}' as its _headers file describes it, for nginx's http context",
             "# (written by atlasgen export server-config --format nginx).", "map_hash_bucket_size 256;",
             f"map $uri {variable}_cache {{", f"    ~^({'|'.join(IMMUTABLE_PREFIXES)}) {_quoted(IMMUTABLE)};",
             f"    default {_quoted(REVALIDATE)};", "}"]
    names = sorted({name for values in site.pages.values() for name, _ in values})
    for index, name in enumerate(names):
        lines.append(f"map $uri {variable}_page_{index} {{")  # one map per header name: {name}
        lines += [f"    {_quoted(path)} {_quoted(value)};" for page, values in site.pages.items()
                  for header, value in values if header == name for path in _page_paths(page)]
        lines += ["    default \"\";", "}"]
    lines += ["server {", "    listen 80;", f"    server_name {site.host};", f"    root {root};",
              "    index index.html;", f"    add_header Cache-Control {variable}_cache always;"]
    lines += [f"    add_header {name} {variable}_page_{index} always;" for index, name in enumerate(names)]
    lines += [f"    add_header {name} {_quoted(value)} always;" for name, value in site.every_path]
    if site.not_found:
        lines.append(f"    error_page 404 {NOT_FOUND_PAGE};")
    lines += ["    location / {", "        try_files $uri $uri/ =404;", "    }", "}", ""]
    return "\n".join(lines)


def apache(site: SiteHeaders, root: str) -> str:
    """A virtual host for Apache 2.4 with mod_headers (the same lines work in a .htaccess without the vhost)."""
    lines = [f"# The site '{site.name}' as its _headers file describes it, for Apache 2.4 with mod_headers",
             "# (written by atlasgen export server-config --format apache).", "<VirtualHost *:80>",
             f"    ServerName {site.host}", f"    DocumentRoot {_apache_quoted(root)}", "    DirectoryIndex index.html"]
    if site.not_found:
        lines.append(f"    ErrorDocument 404 {NOT_FOUND_PAGE}")
    lines += [f"    Header always set Cache-Control {_apache_quoted(REVALIDATE)}",
              f"    <LocationMatch \"^({'|'.join(IMMUTABLE_PREFIXES)})\">",
              f"        Header always set Cache-Control {_apache_quoted(IMMUTABLE)}", "    </LocationMatch>"]
    lines += [f"    Header always set {name} {_apache_quoted(value)}" for name, value in site.every_path]
    for page, values in site.pages.items():
        pattern = "^" + _regex(page) + ("(index\\.html)?$" if page.endswith("/") else "$")
        lines.append(f"    <LocationMatch {_apache_quoted(pattern)}>")
        lines += [f"        Header always set {name} {_apache_quoted(value)}" for name, value in values]
        lines.append("    </LocationMatch>")
    lines += ["</VirtualHost>", ""]
    return "\n".join(lines)


def _regex(path: str) -> str:
    return "".join("\\" + char if char in ".^$*+?()[]{}|\\" else char for char in path)


def s3(site: SiteHeaders, prefix: str) -> str:
    """JSON for an S3 bucket: its website configuration, Cache-Control by key prefix for uploads, and the pages'
    headers, which S3 cannot send itself: a CDN in front of it (a response function) adds them by key."""
    website = {"IndexDocument": {"Suffix": "index.html"}}
    if site.not_found:
        website["ErrorDocument"] = {"Key": prefix + NOT_FOUND_PAGE.lstrip("/")}
    document = {
        "site": site.name,
        "website_configuration": website,
        "cache_control": [{"prefix": prefix + start.strip("/") + "/", "value": IMMUTABLE}
                          for start in IMMUTABLE_PREFIXES] + [{"prefix": prefix, "value": REVALIDATE}],
        "every_key_headers": dict(site.every_path),
        "page_headers": {prefix + key.lstrip("/"): dict(values) for page, values in site.pages.items()
                         for key in _page_paths(page)},
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
