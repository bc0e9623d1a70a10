"""`python -m analysis import acled|ucdp FILE --out DIR [--gazetteer data/processed]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.importers.registry import IMPORTERS, importer


def _run(args: argparse.Namespace) -> int:
    from analysis.cli import block_bytes, lean_arrow_memory, need_dask, report

    lean_arrow_memory()

    def step():
        from analysis.clean import storage
        from analysis.clean.errors import CleanError
        from analysis.importers import common

        ranges = block_bytes(args.range_mb, "--range-mb")
        ranges = common.RANGE_BYTES if ranges is None else ranges
        if args.engine == "dask":
            need_dask()
            from analysis.importers.dask_engine import run

            return run(args.source, args.file, args.out, Path(args.gazetteer), scheduler=args.scheduler,
                       blocksize=block_bytes(args.block_mb), range_bytes=ranges)
        if args.scheduler or storage.is_url(args.file) or storage.is_url(args.out):
            raise CleanError("--scheduler" if args.scheduler else "FILE/--out", None, None, None,
                             "--engine dask for a scheduler or fsspec URLs (the pandas import reads and writes "
                             "local files)")
        return common.run(importer(args.source), Path(args.file), Path(args.out), Path(args.gazetteer),
                          block_size=block_bytes(args.block_mb), range_bytes=ranges)

    return report(step, lambda r: f"imported {args.file} ({args.source}) -> {args.out} in {r.seconds:.1f} s")


def register(subparsers) -> None:
    from analysis.cli import add_scheduler

    p = subparsers.add_parser("import", help="map an ACLED or UCDP GED export into processed tables")
    sub = p.add_subparsers(dest="source", required=True, metavar="SOURCE")
    for entry in IMPORTERS.values():
        s = sub.add_parser(entry.name, help=f"import {entry.what}")
        s.add_argument("file", metavar="FILE", help="the export CSV (with --engine dask also an fsspec URL)")
        s.add_argument("--out", required=True, help="output folder for the processed tables (with --engine dask "
                       "also an fsspec URL)")
        s.add_argument("--gazetteer", default="data/processed",
                       help="processed folder whose gazetteer places are matched and copied (default data/processed)")
        s.add_argument("--block-mb", type=float, default=None,
                       help="MB of CSV read per batch (default 16; with --engine dask, per task, default from "
                            "the workers' memory, at most 32)")
        s.add_argument("--range-mb", type=float, default=None,
                       help="MB of export imported together (default 512): a larger export is imported in ranges "
                            "of its ids of about this size each, so that memory stops growing with the export "
                            "(same tables)")
        s.add_argument("--engine", choices=("pandas", "dask"), default="pandas",
                       help="pandas (default) maps the batches in this process; dask maps the blocks on a Dask "
                            "cluster (same tables)")
        add_scheduler(s)
        s.set_defaults(func=_run)
