"""`python -m analysis import acled|ucdp FILE --out DIR [--gazetteer data/processed]`."""

from __future__ import annotations

import argparse
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    from analysis.cli import report
    from analysis.importers import acled, common, ucdp

    mapper = {"acled": acled, "ucdp": ucdp}[args.source]
    return report(lambda: common.run(mapper, Path(args.file), Path(args.out), Path(args.gazetteer),
                                     block_size=args.block_mb << 20),
                  lambda r: f"imported {args.file} ({args.source}) -> {args.out} in {r.seconds:.1f} s")


def register(subparsers) -> None:
    p = subparsers.add_parser("import", help="map an ACLED or UCDP GED export into processed tables")
    sub = p.add_subparsers(dest="source", required=True, metavar="SOURCE")
    for name, what in (("acled", "an ACLED export (CSV, comma or semicolon separated)"),
                       ("ucdp", "a UCDP GED export (CSV)")):
        s = sub.add_parser(name, help=f"import {what}")
        s.add_argument("file", metavar="FILE", help="the export CSV")
        s.add_argument("--out", required=True, help="output folder for the processed tables")
        s.add_argument("--gazetteer", default="data/processed",
                       help="processed folder whose gazetteer places are matched and copied (default data/processed)")
        s.add_argument("--block-mb", type=int, default=16, help="MB of CSV read per batch (default 16)")
        s.set_defaults(func=_run)
