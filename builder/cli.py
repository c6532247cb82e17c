"""The `atlasgen` command: parse arguments, call one function, turn errors into exit codes.

Exit status: 0 success, 1 bad input (the message names file and line),
2 wrong usage of the command.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from pathlib import Path

from builder.commands.build import BuildOptions, build
from builder.commands.export import ExportOptions, ExportReport, export_datacite
from builder.commands.fields import FieldsOptions, list_fields
from builder.commands.harvest import SOURCES, HarvestOptions, harvest
from builder.commands.new import NewOptions, new_collection, new_site
from builder.commands.preview import PreviewOptions, start_preview
from builder.commands.serve import make_server
from builder.commands.server_config import FORMATS, ServerConfigOptions, server_config
from builder.commands.validate import ValidateOptions, validate
from builder.errors import AtlasError

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
UNCHANGED_ON_ERROR = {"build": "Nothing was written; the previous site is unchanged.",
                      "harvest": "Nothing was written; the previous snapshot is unchanged."}

BUILD_EXAMPLES = """examples:
  atlasgen build                         every site in site_config/, from the embedded snapshot
  atlasgen build hoa                     only the Human Organ Atlas
  atlasgen build --snapshot new.xml      from another ICAT dump
  atlasgen build --out /tmp/sites --quiet --json
  atlasgen build --full                  make every file again, ignoring the previous site
"""
EXPORT_EXAMPLES = """examples:
  atlasgen export datacite                     every DOI of the embedded snapshot, into exports/datacite/
  atlasgen export datacite --collection hoa    only the DOIs of the Human Organ Atlas
  atlasgen export datacite --out /tmp/datacite --json
"""
SERVER_CONFIG_EXAMPLES = """examples:
  atlasgen export server-config hoa > /etc/nginx/conf.d/hoa.conf && nginx -t
  atlasgen export server-config hoa --format apache --root /srv/www/hoa > hoa.conf
  atlasgen export server-config hoa --format s3 --root atlases/hoa > hoa-s3.json
"""
HARVEST_EXAMPLES = """examples:
  atlasgen harvest --source icatplus                 what changed at https://icatplus.esrf.fr since the last harvest
  atlasgen harvest --source icatplus --report changes.json
  atlasgen harvest --source icatplus --new --snapshot catalogue/production.xml   a production catalogue, from nothing
  atlasgen harvest --source hoa --url catalogue/sources/hoa-metadata-2.0.0
  atlasgen harvest --source dump --url other.xml --snapshot merged.xml
  atlasgen harvest --source icat --url https://icat.example.org --username reader --authenticator db
The password of --username comes from the ATLASGEN_PASSWORD environment variable.
"""
VALIDATE_EXAMPLES = """examples:
  atlasgen validate                      every site and collection of the project, against the embedded snapshot
  atlasgen validate hoa                  the Human Organ Atlas site and its collections
  atlasgen validate --snapshot production.xml --json
Exit status: 1 if anything would stop a build, 0 otherwise (warnings included).
"""
FIELDS_EXAMPLES = """examples:
  atlasgen fields                              every parameter of the embedded snapshot
  atlasgen fields --collection hoa             only those of the datasets collections/hoa.yml selects
  atlasgen fields --snapshot other.xml --json
"""
NEW_EXAMPLES = """examples:
  atlasgen new collection tomography --snapshot other.xml --technique "X-ray tomography"
  atlasgen new collection bm05 --instrument BM05
  atlasgen new site tomography                 a site showing collections/tomography.yml
  atlasgen new site atlas --collection bm05 --collection tomography
Then: atlasgen serve NAME (add --snapshot PATH for another snapshot than the embedded one).
"""
SERVE_EXAMPLES = """examples:
  atlasgen serve hoa                     build, serve on http://127.0.0.1:8000/, rebuild and reload on every edit
  atlasgen serve hoa --port 8080
  atlasgen serve hoa --no-watch          serve site/hoa/ as it is built, as a static host would
"""


def run() -> None:
    """The `atlasgen` command. It exits without tearing the interpreter down: freeing the objects of a large
    build one by one takes a noticeable part of a second, and every file is closed by then."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args)
    except AtlasError as error:
        print(f"error: {error.report()}", file=sys.stderr)
        if args.command in UNCHANGED_ON_ERROR:
            print(UNCHANGED_ON_ERROR[args.command], file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


def make_parser() -> argparse.ArgumentParser:
    """The whole command line: every command, option and help text (docs/cli.md is generated from it)."""
    parser = argparse.ArgumentParser(prog="atlasgen",
                                     description="Static atlases and DOI pages from an ICAT catalogue.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_parser = commands.add_parser("build", help="build sites", description="Build sites into site/<name>/.",
                                       epilog=BUILD_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    build_parser.add_argument("sites", nargs="*", metavar="SITE", help="site names (default: all in site_config/)")
    build_parser.add_argument("--snapshot", type=Path, help="ICAT dump to build from (default: the embedded one)")
    build_parser.add_argument("--out", type=Path, help="folder for the built sites (default: site/)")
    build_parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    build_parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    build_parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    build_parser.add_argument("--no-cache", action="store_true", help="parse the snapshot even if it is cached")
    build_parser.add_argument("--full", "--no-incremental", dest="full", action="store_true",
                              help="make every file again instead of keeping those whose inputs are unchanged")
    build_parser.set_defaults(run=_build)

    export_parser = commands.add_parser("export", help="write metadata exports of every DOI",
                                        description="Write metadata exports of every DOI.")
    formats = export_parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    datacite_parser = formats.add_parser(
        "datacite", help="DataCite 4.5 XML and JSON", epilog=EXPORT_EXAMPLES,
        description="Write <out>/<prefix>/<suffix>.xml and .json of every DOI whose record is valid DataCite 4.5.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    datacite_parser.add_argument("--out", type=Path, help="folder for the files (default: exports/datacite/)")
    datacite_parser.add_argument("--collection", metavar="NAME", help="only the DOIs of collections/NAME.yml")
    _snapshot_options(datacite_parser, "ICAT dump to export from", "print a machine-readable report")
    datacite_parser.add_argument("--site", metavar="NAME", help="the site config whose landing.derived_year applies "
                                                                "(default: the DOI site, doi_pages: all)")
    datacite_parser.set_defaults(run=_export_datacite)
    server_parser = formats.add_parser(
        "server-config", help="a built site's _headers and 404 page as nginx, Apache or S3 configuration",
        epilog=SERVER_CONFIG_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print what a web server needs to send a built site as its _headers file says: Link headers, "
                    "cache lifetimes, headers of every path, the 404 page.")
    server_parser.add_argument("site", metavar="SITE")
    server_parser.add_argument("--format", choices=FORMATS, default="nginx", help="the server (default: nginx)")
    server_parser.add_argument("--root", help="nginx, apache: the folder served (default: /var/www/SITE); "
                                              "s3: the site's key prefix in the bucket (default: none)")
    server_parser.add_argument("--out", type=Path, help="folder of built sites (default: site/)")
    server_parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    server_parser.set_defaults(run=_export_server_config)

    harvest_parser = commands.add_parser("harvest", help="update the snapshot from a source",
                                         description="Update a snapshot with what a source has new or changed.",
                                         epilog=HARVEST_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    harvest_parser.add_argument("--source", required=True, choices=sorted(SOURCES))
    harvest_parser.add_argument("--url", help="service URL (icatplus default: https://icatplus.esrf.fr), "
                                              "or the file (dump) or folder (hoa) to read")
    harvest_parser.add_argument("--snapshot", type=Path, help="snapshot to update (default: the embedded one)")
    harvest_parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    harvest_parser.add_argument("--report", type=Path, help="write the new, changed and removed DOIs here as JSON")
    harvest_parser.add_argument("--full", action="store_true", help="ask for everything, not only what changed")
    harvest_parser.add_argument("--new", action="store_true",
                                help="start the --snapshot file from nothing (it must not exist): a production "
                                     "catalogue apart from the embedded demo")
    harvest_parser.add_argument("--username", help="log in as this user (default: anonymous)")
    harvest_parser.add_argument("--authenticator", default="anon", help="ICAT authenticator plugin of --username")
    harvest_parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default: 30)")
    harvest_parser.add_argument("--retries", type=int, default=4, help="further tries after a failure (default: 4)")
    harvest_parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    harvest_parser.set_defaults(run=_harvest)

    validate_parser = commands.add_parser(
        "validate", help="check every config against its model and the snapshot", epilog=VALIDATE_EXAMPLES,
        description="Check site configs and collections against their models and the snapshot, building nothing.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    validate_parser.add_argument("sites", nargs="*", metavar="SITE",
                                 help="site names (default: every site and every collection)")
    _snapshot_options(validate_parser, "ICAT dump to check against", "print the findings as JSON")
    validate_parser.set_defaults(run=_validate)

    fields_parser = commands.add_parser(
        "fields", help="list the parameters the snapshot holds", epilog=FIELDS_EXAMPLES,
        description="List the parameters of the snapshot's datasets (their own, their samples' and investigations'): "
                    "how many datasets have each, its distinct values, type, units and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    fields_parser.add_argument("--collection", metavar="NAME", help="only the datasets of collections/NAME.yml")
    _snapshot_options(fields_parser, "ICAT dump to read", "print the parameters as JSON")
    fields_parser.set_defaults(run=_fields)

    new_parser = commands.add_parser("new", help="start a collection or a site from the snapshot",
                                     description="Write a commented collection or site config that builds at once.")
    kinds = new_parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    collection_parser = kinds.add_parser(
        "collection", help="collections/NAME.yml from the parameters of the snapshot", epilog=NEW_EXAMPLES,
        description="Write collections/NAME.yml: a field per parameter of the chosen datasets, grouped by prefix, "
                    "facets for strings with few values, numbers and dates.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    collection_parser.add_argument("name", metavar="NAME")
    collection_parser.add_argument("--snapshot", type=Path, help="ICAT dump to read (default: the embedded one)")
    chosen = collection_parser.add_mutually_exclusive_group()
    chosen.add_argument("--technique", metavar="T", help="only the datasets of this technique")
    chosen.add_argument("--instrument", metavar="I", help="only the datasets of this instrument (beamline)")
    site_parser = kinds.add_parser("site", help="site_config/NAME.yml showing collections", epilog=NEW_EXAMPLES,
                                   description="Write site_config/NAME.yml showing the given collections.",
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    site_parser.add_argument("name", metavar="NAME")
    site_parser.add_argument("--collection", dest="collections", action="append", default=[], metavar="NAME",
                             help="a collection the site shows; repeat for more (default: collections/NAME.yml)")
    for kind_parser in (collection_parser, site_parser):
        kind_parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
        kind_parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    collection_parser.set_defaults(run=_new)
    site_parser.set_defaults(run=_new)

    serve_parser = commands.add_parser(
        "serve", help="preview a site, rebuilt on every edit", epilog=SERVE_EXAMPLES,
        description="Build a site, serve it, and rebuild it and reload open pages whenever the project changes.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    serve_parser.add_argument("site", metavar="SITE")
    serve_parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free)")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_parser.add_argument("--out", type=Path, help="folder of built sites (default: site/)")
    serve_parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    serve_parser.add_argument("--snapshot", type=Path, help="ICAT dump to build from (default: the embedded one)")
    serve_parser.add_argument("--no-watch", action="store_true",
                              help="serve the built site as it is: no build, no watching, no reload script")
    serve_parser.set_defaults(run=_serve)
    return parser


def _snapshot_options(parser: argparse.ArgumentParser, snapshot: str, json_report: str) -> None:
    """The options of every command that reads a snapshot and can report as JSON."""
    parser.add_argument("--snapshot", type=Path, help=f"{snapshot} (default: the embedded one)")
    parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    parser.add_argument("--json", action="store_true", help=json_report)
    parser.add_argument("--no-cache", action="store_true", help="parse the snapshot even if it is cached")


def _build(args: argparse.Namespace) -> int:
    options = BuildOptions(project=args.project, sites=tuple(args.sites), snapshot=args.snapshot, out=args.out,
                           quiet=args.quiet or args.json, cache=not args.no_cache, incremental=not args.full)
    log = (lambda message: None) if options.quiet else (lambda message: print(message, file=sys.stderr))
    report = build(options, log)
    for warning in report.all_warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return EXIT_OK
    for site in report.sites:
        print(f"built {site.name}: {site.datasets} datasets, {site.dois} DOI pages, "
              f"{site.files} files -> {site.output}")
        print(f"  files: {site.rendered} made, {site.carried} kept unchanged, {site.removed} removed")
        print(f"  work: {site.pieces_made} pages and DOIs worked out, {site.pieces_kept} kept from the last build")
        print(f"  images: {site.images_processed} made, {site.images_cached} from the cache"
              + (f"; {len(site.warnings)} warnings" if site.warnings else ""))
        if not args.quiet:
            print(f"  preview: atlasgen serve {site.name}  (http://127.0.0.1:8000/)")
    print(f"done in {report.seconds:.1f} s")
    return EXIT_OK


def _export_datacite(args: argparse.Namespace) -> int:
    report = export_datacite(ExportOptions(project=args.project, out=args.out, collection=args.collection,
                                           snapshot=args.snapshot, cache=not args.no_cache, site=args.site))
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        _print_export(report)
    return EXIT_INPUT if report.invalid else EXIT_OK


def _print_export(report: ExportReport) -> None:
    for problem in report.problems:
        print(problem)
    for doi, year, kind in report.derived_years:
        print(f"{doi}: publicationYear: {year}, from its {kind} date ({report.year_rule}: landing.derived_year)")
    print(f"{len(report.exported)} valid DataCite records -> {report.output}")
    if report.invalid:
        print(f"{len(report.invalid)} invalid, not exported (problems above)")

def _export_server_config(args: argparse.Namespace) -> int:
    print(server_config(ServerConfigOptions(site=args.site, format=args.format, project=args.project, out=args.out,
                                            root=args.root)), end="")
    return EXIT_OK


def _harvest(args: argparse.Namespace) -> int:
    options = HarvestOptions(source=args.source, url=args.url, project=args.project, snapshot=args.snapshot,
                             report=args.report, full=args.full, new=args.new, username=args.username,
                             password=os.environ.get("ATLASGEN_PASSWORD"), authenticator=args.authenticator,
                             timeout=args.timeout, retries=args.retries)
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, format="%(message)s")
    report = harvest(options, log)
    changes = report.changes
    print(f"{report.snapshot}: {len(changes.new)} new, {len(changes.changed)} changed, {len(changes.removed)} removed "
          f"DOIs" + ("" if report.written else " (unchanged)"))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    report = validate(ValidateOptions(project=args.project, sites=tuple(args.sites), snapshot=args.snapshot,
                                      cache=not args.no_cache))
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        for problem in report.errors:
            print(f"error: {problem}")
        for problem in report.warnings:
            print(f"warning: {problem}")
        print(f"{len(report.checked)} files checked: {len(report.errors)} errors, {len(report.warnings)} warnings")
    return EXIT_INPUT if report.errors else EXIT_OK


def _fields(args: argparse.Namespace) -> int:
    report = list_fields(FieldsOptions(project=args.project, collection=args.collection, snapshot=args.snapshot,
                                       cache=not args.no_cache))
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        return EXIT_OK
    scope = f"collection {report.collection}" if report.collection else report.snapshot
    print(f"{len(report.parameters)} parameters in the {report.datasets} datasets of {scope}")
    print(report.table(shutil.get_terminal_size((120, 24)).columns))
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    options = NewOptions(name=args.name, project=args.project, force=args.force,
                         snapshot=getattr(args, "snapshot", None), technique=getattr(args, "technique", None),
                         instrument=getattr(args, "instrument", None),
                         collections=tuple(getattr(args, "collections", ())))
    written = new_collection(options) if args.kind == "collection" else new_site(options)
    print(f"wrote {written}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    out = args.out or args.project / "site"
    if args.no_watch:
        server, stop = make_server(out / args.site, args.host, args.port), (lambda: None)
    else:
        options = PreviewOptions(site=args.site, project=args.project, snapshot=args.snapshot, out=args.out,
                                 host=args.host, port=args.port)
        server, stop = start_preview(options, lambda message: print(message, file=sys.stderr, flush=True))
    print(f"serving {out / args.site} at http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        stop()
        server.server_close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
