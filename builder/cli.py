"""The `atlasgen` command: parse arguments, call one function, turn errors into exit codes.

Exit status: 0 success, 1 bad input (the message names file and line),
2 wrong usage of the command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .build import BuildOptions, build
from .errors import AtlasError
from .serve import make_server

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2

BUILD_EXAMPLES = """examples:
  atlasgen build                         every site in site_config/, from the embedded snapshot
  atlasgen build hoa                     only the Human Organ Atlas
  atlasgen build --snapshot new.xml      from another ICAT dump
  atlasgen build --out /tmp/sites --quiet --json
  atlasgen build --full                  make every file again, ignoring the previous site
"""
SERVE_EXAMPLES = """examples:
  atlasgen serve hoa                     http://127.0.0.1:8000/
  atlasgen serve hoa --port 8080
"""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args)
    except AtlasError as error:
        print(f"error: {error.report()}", file=sys.stderr)
        if args.command == "build":
            print("Nothing was written; the previous site is unchanged.", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atlasgen", description="Static atlases and DOI pages from an ICAT catalogue.")
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

    serve_parser = commands.add_parser("serve", help="preview a built site", description="Serve a built site.",
                                       epilog=SERVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    serve_parser.add_argument("site", metavar="SITE")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--out", type=Path, default=Path("site"), help="folder of built sites (default: site/)")
    serve_parser.set_defaults(run=_serve)
    return parser


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
        print(f"built {site.name}: {site.datasets} datasets, {site.dois} DOI pages, {site.files} files -> {site.output}")
        print(f"  files: {site.rendered} made, {site.carried} kept unchanged, {site.removed} removed")
        print(f"  images: {site.images_processed} made, {site.images_cached} from the cache"
              + (f"; {len(site.warnings)} warnings" if site.warnings else ""))
        if not args.quiet:
            print(f"  preview: atlasgen serve {site.name}  (http://127.0.0.1:8000/)")
    print(f"done in {report.seconds:.1f} s")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    server = make_server(args.out / args.site, args.host, args.port)
    print(f"serving {args.out / args.site} at http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
