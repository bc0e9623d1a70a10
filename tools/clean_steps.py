"""Where one clean spends its time: wall and main-thread CPU seconds of each of the pipeline's calls.

    PYTHONPATH=src python tools/clean_steps.py RAW OUT [--min 0.05]

A profiler slows the pandas and Arrow calls unevenly and cannot say which seconds the main thread spent waiting
for the writer threads; this wraps the pipeline's own calls instead and prints, in the order they ran, each
call's wall time and the CPU time of the thread that made it (a gap between the two is time spent waiting for a
core or for the writes). Reading runs on threads of its own, so its CPU shows as 0.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

from analysis.clean import designs, incidents, pipeline, places, tables, write

STEPS = [(pipeline, "read_all"), (pipeline, "validate"), (pipeline, "link_all"), (pipeline, "integrity"),
         (incidents, "incidents_table"), (designs, "coverage"), (write.Publisher, "publish"),
         (places.Gazetteer, "__init__"),
         *((tables, name) for name in ("gazetteer", "sources", "events", "casualties", "statements", "links",
                                       "control", "tallies", "finish"))]


def timed(rows: list[tuple[str, float, float]]) -> None:
    """Wrap every call in STEPS to append (name, wall s, main-thread CPU s) to rows."""
    for owner, name in STEPS:
        f = getattr(owner, name)
        label = f"{getattr(owner, '__name__', owner)}.{name}".removeprefix("analysis.clean.")

        @functools.wraps(f)
        def call(*args, _f=f, _label=label, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return _f(*args, **kwargs)
            finally:
                what = f" {args[0]}" if args and isinstance(args[0], str) else ""
                rows.append((_label + what, time.perf_counter() - wall, time.thread_time() - cpu))

        setattr(owner, name, call)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--min", type=float, default=0.05, help="hide calls shorter than this (s)")
    args = ap.parse_args()
    rows: list[tuple[str, float, float]] = []
    timed(rows)
    start = time.perf_counter()
    pipeline.clean(args.raw, args.out)
    print(f"{'call':<34}{'wall s':>8}{'cpu s':>8}")
    for label, wall, cpu in rows:
        if wall >= args.min:
            print(f"{label:<34}{wall:8.2f}{cpu:8.2f}")
    print(f"{'the clean, in all':<34}{time.perf_counter() - start:8.2f}")


if __name__ == "__main__":
    main()
