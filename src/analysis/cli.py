"""Command line: wires the steps together and does nothing else."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis import __version__


def lean_arrow_memory() -> None:
    """Arrow's buffers from jemalloc, which gives freed ones back to the system sooner than Arrow's default
    pool: less RSS and fewer page faults for the clean and the imports, which free columns as they go."""
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without it
        pass


def _clean(args: argparse.Namespace) -> int:
    lean_arrow_memory()

    def step():
        from analysis.clean import storage
        from analysis.clean.errors import CleanError
        from analysis.clean.files import claim_output

        if storage.same_place(args.raw, args.out):
            raise CleanError(args.out, None, None, None, "an --out folder other than --raw (clean would overwrite "
                             "the raw tables)")
        # a local --out is claimed before the reading, not only at the first write; a remote one is checked by
        # storage.output_folder (a folder holding files of a run without its manifest.json is refused)
        local_out = storage.local_path(args.out)
        if local_out is not None:
            claim_output(local_out, storage.local_path(args.raw), "clean")
        if args.engine == "dask":
            need_dask()
            from analysis.clean.dask_engine import clean

            return clean(args.raw, args.out, scheduler=args.scheduler, blocksize=block_bytes(args.block_mb))
        if args.scheduler or args.block_mb or storage.is_url(args.raw) or storage.is_url(args.out):
            raise CleanError("--scheduler/--block-mb" if args.scheduler or args.block_mb else "--raw/--out", None,
                             None, None, "--engine dask for a scheduler, blocks or fsspec URLs (the pandas engine "
                             "reads and writes local folders)")
        from analysis.clean.pipeline import clean

        return clean(Path(args.raw), Path(args.out))

    return report(step, lambda s: f"cleaned {args.raw} -> {args.out} in {s.seconds:.1f} s")


def need_dask() -> None:
    """--engine dask needs the optional Dask packages: say how to install them instead of an ImportError."""
    import importlib.util

    from analysis.clean.errors import CleanError

    if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
        raise CleanError("--engine dask", None, None, None, "Dask and distributed installed: pip install -c "
                         "requirements.lock -e '.[dask]' (make env installs them)")


def prog_name() -> str:
    """`oskil` when run as the console script, else `python -m analysis`."""
    return "oskil" if Path(sys.argv[0]).name == "oskil" else "python -m analysis"


def add_scheduler(p: argparse.ArgumentParser) -> None:
    """--scheduler, for the commands with a Dask engine."""
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --engine dask: the Dask scheduler to run on (e.g. tcp://10.0.0.5:8786; default "
                        "$DASK_SCHEDULER_ADDRESS, else a local cluster of one worker per core)")


def block_bytes(mb: float | None, flag: str = "--block-mb") -> int | None:
    """A size in MB (--block-mb, --range-mb) in bytes (None: let the command choose); a size that is not
    positive is refused."""
    from analysis.clean.errors import CleanError

    if mb is None:
        return None
    if not mb > 0:
        raise CleanError(flag, None, None, mb, "a positive number of MB")
    return max(1024, int(mb * 2**20))


def report(step, done) -> int:
    """Run a clean or an import: print its per-table counts and exit 0, or one error line and exit 2."""
    from analysis.clean.errors import CleanError

    try:
        summary = step()
    except (CleanError, OSError, AssertionError) as exc:
        print(one_line(exc), file=sys.stderr)
        return 2
    for line in summary.lines():
        print(line)
    print(done(summary))
    return 0


#: the commands of other packages -> the module whose register(subparsers) adds them. A command's module is
#: imported only when that command runs (the report runner imports the notebook stack: seconds)
PLUGINS = {"run": "analysis.run.cli", "verify": "analysis.run.cli", "import": "analysis.importers.cli",
           "synth": "analysis.testdata.synth"}


def plugins_for(argv: list[str]) -> list[str]:
    """The plugin modules a command line needs: none for `clean`, its own for another command, all of them
    when no command is named (the overview `--help` lists every command)."""
    first = argv[0] if argv else None
    if first == "clean":
        return []
    if first in PLUGINS:
        return [PLUGINS[first]]
    return list(dict.fromkeys(PLUGINS.values()))


def build_parser(plugins: bool | list[str] = True) -> argparse.ArgumentParser:
    """The command line; plugins: the plugin modules whose commands it has (True: all, False: none, only
    `clean`)."""
    p = argparse.ArgumentParser(prog=prog_name(), description="Oskil: clean, analyse and cite "
                                "reports about the Russia-Ukraine war.")
    p.add_argument("--version", action="version", version=f"oskil {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    c = sub.add_parser("clean", help="clean data/raw into data/processed (per table: read, kept, rejected)")
    c.add_argument("--raw", default="data/raw", help="folder of raw CSVs (default data/raw); with --engine dask "
                   "also an fsspec URL the workers can open")
    c.add_argument("--out", default="data/processed", help="output folder (default data/processed); with "
                   "--engine dask also an fsspec URL")
    c.add_argument("--engine", choices=("pandas", "dask"), default="pandas",
                   help="pandas (default) cleans in memory; dask cleans raw files larger than memory on a "
                        "Dask cluster (same tables)")
    add_scheduler(c)
    c.add_argument("--block-mb", type=float, default=None,
                   help="with --engine dask: MB of raw CSV per task (default from the workers' memory, at most 32)")
    c.set_defaults(func=_clean)
    modules = list(dict.fromkeys(PLUGINS.values())) if plugins is True else plugins or []
    for module in modules:
        __import__(module, fromlist=["register"]).register(sub)
    return p


def one_line(exc: BaseException) -> str:
    """The error line for a failure no step turned into a CleanError: what failed, on which file, and why."""
    from analysis.clean.errors import CleanError

    if isinstance(exc, CleanError):
        return f"error: {exc}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        why = exc.strerror or (str(exc).splitlines() or [type(exc).__name__])[0]
        hint = {28: "; free some space, nothing was published (the previous files are intact)",
                27: "; the file system refused a file this large, nothing was published",
                13: "; expected a folder this user can write (or a file it can read)",
                30: "; expected a writable output folder (this one is on a read-only file system)"}
        return f"error: {where}{why}{hint.get(exc.errno or 0, '')}"
    if isinstance(exc, AssertionError):
        return f"error: an internal consistency check failed (please report it): {str(exc).splitlines()[0]}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"error: {type(exc).__name__}: {text}"


def main(argv: list[str] | None = None) -> int:
    """Run one command. Bad input, a full disk, a missing permission: one line on stderr and exit 2."""
    from analysis.clean.errors import CleanError

    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(plugins_for(argv)).parse_args(argv)
    try:
        with stopped_by_signals():
            return args.func(args)
    except (CleanError, OSError, AssertionError) as exc:
        print(one_line(exc), file=sys.stderr)
        return 2
    except Stopped as exc:
        print(f"interrupted ({signal.Signals(exc.signum).name}): stopped before finishing; its temporary files "
              "are removed and nothing unfinished was published", file=sys.stderr)
        return 128 + exc.signum


class Stopped(KeyboardInterrupt):
    """A command stopped by SIGINT (Ctrl-C) or SIGTERM (`kill`, a job scheduler's stop)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raised as Stopped in the main thread while a command runs. SIGTERM's default action
    ends the process at once, so the `with` blocks that clean up never ran: an import left its spill folder
    (the export's text, hundreds of MB) in the temporary directory, a clean its staged files. As an exception
    they run: the spill is removed, staged files are swept and nothing is published. The previous handlers are
    restored afterwards (main() may be called in-process, by tests); in another thread nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame) -> None:
        raise Stopped(signum)

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
