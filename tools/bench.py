"""Performance figures for the clean and the notebooks -> docs/benchmarks.md (what `make bench` runs).

For each size N (events; the other tables scale with it) it writes a synthetic raw folder with
`analysis.testdata.synth`, then times, as whole processes, best of 3:

* the clean: `python -m analysis clean --raw R --out O` (wall time, rows/s, peak RSS of that process);
* the floor: a Python process that imports pyarrow and parses the same raw CSVs with
  pyarrow.csv.read_csv, i.e. the least any clean of these files could cost;

and reports clean/floor. The Dask engine is timed at every size on a cluster started the way an
institution runs one (`dask scheduler` and one single-threaded `dask worker` process per core, reached with
--scheduler), so it has the same cores as the pandas engine; from the two sizes it estimates where the
engines cross. On the smallest dataset it also times `import acled` with both engines. On the largest
dataset it then runs every notebook with papermill against the processed folder and profiles one clean
with cProfile ('Where the time goes').

Not part of `make test`: it takes minutes. Usage: python tools/bench.py [--sizes 100000 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
DOC = REPO / "docs" / "benchmarks.md"
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
TARGET_RATIO, TARGET_RSS_GIB = 4.0, 2.0

FLOOR = """
import sys, pyarrow.csv as c
opts = c.ParseOptions(newlines_in_values=True)
for p in sys.argv[1:]:
    c.read_csv(p, parse_options=opts)
"""


# The least any clean with Oskil's output contract could cost: the same parse, plus writing the clean's own
# processed tables (read into memory before the clock starts) as zstd Parquet and CSV, each fsync'ed, two
# tables at a time. No cleaning, no validation, no pandas.
FLOOR_IO = """
import os, sys, time, pyarrow.csv as c, pyarrow.parquet as pq
from concurrent.futures import ThreadPoolExecutor
out, dest, raw = sys.argv[1], sys.argv[2], sys.argv[3:]
tables = {p[:-8]: pq.read_table(os.path.join(out, p)) for p in sorted(os.listdir(out)) if p.endswith(".parquet")}
t0 = time.perf_counter()
opts = c.ParseOptions(newlines_in_values=True)
for p in raw:
    c.read_csv(p, parse_options=opts)
def write(name):
    for path, fn in ((f"{dest}/{name}.parquet", lambda p: pq.write_table(tables[name], p, compression="zstd")),
                     (f"{dest}/{name}.csv", lambda p: c.write_csv(tables[name], p))):
        fn(path)
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
os.makedirs(dest, exist_ok=True)
with ThreadPoolExecutor(2) as pool:
    list(pool.map(write, sorted(tables)))
print(time.perf_counter() - t0)
"""


def floor_io(out: Path, dest: Path, files: list[str], repeat: int) -> float:
    """Best-of-repeat seconds of FLOOR_IO's timed part (parse + write), plus this machine's start-up of a
    Python process that imports pyarrow (timed the same way as the floor)."""
    best_s = float("inf")
    for _ in range(repeat):
        res = subprocess.run([sys.executable, "-c", FLOOR_IO, str(out), str(dest), *files], env=_env(),
                             capture_output=True, text=True, check=True)
        best_s = min(best_s, float(res.stdout.strip().splitlines()[-1]))
    startup, _ = best([sys.executable, "-c", "import pyarrow.csv, pyarrow.parquet"], repeat)
    return best_s + startup


def phases(raw: Path, out: Path) -> list[tuple[str, float]]:
    """Seconds per step of one clean, from its progress lines (OSKIL_PROGRESS=1). The clock of those lines
    starts when the clean's modules have been imported; what the process spends outside it (interpreter
    start-up, imports, exit) is the first row."""
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "analysis", "clean", "--raw", str(raw), "--out", str(out)],
                         env=_env() | {"OSKIL_PROGRESS": "1"}, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    marks = [(float(m.group(1)), m.group(2)) for m in re.finditer(r"^\[clean\s+([\d.]+) s\] (.+)$", res.stderr, re.M)]
    marks = [(t, re.sub(r" \(.*\)$| (to|in) /.*$", "", msg)) for t, msg in marks if not msg.startswith("reading ")]
    steps = [("reading the raw files, two at a time; cleaning the gazetteer", marks[0][0])]
    steps += [(msg, nxt - t) for (t, msg), (nxt, _) in zip(marks, marks[1:], strict=False)]
    return [("Python start-up, imports and exit", wall - marks[-1][0])] + steps


# One import with its steps timed, and the peak resident set within each (sampled every 20 ms): the steps are
# the import's own functions, wrapped; a step's time includes the steps it calls.
IMPORT_STEPS = """
import functools, json, os, sys, threading, time
from analysis.clean import incidents, designs
from analysis.importers import common, ranges
page, where, peak, spent, order = os.sysconf("SC_PAGE_SIZE"), ["start-up and reading, mapping, spilling"], {}, {}, []
def sample():
    while True:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * page
        if where[-1] not in peak:
            order.append(where[-1])
        peak[where[-1]] = max(peak.get(where[-1], 0), rss)
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
def step(module, name, label):
    f = getattr(module, name)
    @functools.wraps(f)
    def timed(*a, **k):
        where.append(label); t0 = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            spent[label] = spent.get(label, 0) + time.perf_counter() - t0
            where.pop()
            where[-1] = where[-1].removesuffix(" (continued)") + " (continued)"
    setattr(module, name, timed)
step(common, "_conclude", "ids unique, sources, then the steps below")
step(common, "lean_finish", "narrow columns cast and sorted")
step(incidents, "export_incidents", "each export event its own incident")
step(incidents, "export_incidents_table", "the incidents table")
step(designs, "coverage", "the coverage table")
step(common, "finish", "validation and writing (Parquet + CSV)")
step(ranges, "run_ranged", "in ranges of ids: each concluded (the steps below), validated, written")
step(ranges.Batches, "bucketed", "the rows sent to their range's file")
t0 = time.perf_counter()
sys.argv = ["analysis", *sys.argv[1:]]
from analysis.cli import main
rc = main()
print(json.dumps({"wall": time.perf_counter() - t0, "steps": [[k, spent.get(k), peak[k]] for k in order],
                  "spent": spent}))
sys.exit(rc)
"""


#: --range-mb of an import held together (larger than any export the bench makes)
WHOLE_MB = 1_000_000
IMPORT_TOP_STEPS = ("ids unique, sources, then the steps below", "validation and writing (Parquet + CSV)")
#: an import in ranges (past --range-mb): this step holds the ones above, once per range
IMPORT_RANGED_STEP = "in ranges of ids: each concluded (the steps below), validated, written"


def import_steps(export: Path, gaz: Path, out: Path) -> dict:
    """One `import acled` with its steps' seconds and peak RSS (IMPORT_STEPS)."""
    res = subprocess.run([sys.executable, "-c", IMPORT_STEPS, "import", "acled", str(export), "--gazetteer",
                          str(gaz), "--out", str(out)], env=_env(), capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


@contextmanager
def dask_cluster(workers: int, base: Path) -> Iterator[str]:
    """The address of a `dask scheduler` with `workers` single-threaded `dask worker` processes on 127.0.0.1,
    each with an equal share of the machine's memory; all stopped (their process groups) on the way out."""
    dask, procs = [sys.executable, "-m", "dask"], []
    env = {k: v for k, v in _env().items() if k != "DASK_SCHEDULER_ADDRESS"}
    info = base / "scheduler.json"

    def start(args: list[str]) -> None:
        procs.append(subprocess.Popen(dask + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      stdin=subprocess.DEVNULL, start_new_session=True))

    try:
        start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--idle-timeout", "600",
               "--scheduler-file", str(info)])
        deadline = time.monotonic() + 120
        while not info.exists():
            if procs[0].poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the dask scheduler did not start")
            time.sleep(0.2)
        time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        memory = _ram_bytes() // workers if _ram_bytes() else 0
        for _ in range(workers):
            start(["worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--memory-limit", str(memory),
                   "--no-dashboard", "--death-timeout", "60"])
        from distributed import Client

        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def _ram_bytes() -> int:
    try:
        return int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1)) * 1024
    except (OSError, AttributeError):
        return 0


def dask_split(stderr: str, wall: float) -> tuple[float, float]:
    """(seconds until the cluster's work is gathered, seconds after: the driver's steps and writes) of a
    `clean --engine dask` run with OSKIL_PROGRESS=1 and wall time `wall`."""
    marks = [(float(m.group(1)), m.group(2)) for m in re.finditer(r"^\[clean\s+([\d.]+) s\] (.+)$", stderr, re.M)]
    done = next(t for t, msg in marks if msg.startswith("joining the blocks"))
    return done, wall - done


def crossover(sizes: list[int], pandas_s: list[float], dask_s: list[float]) -> tuple[float, float, float, float,
                                                                                       float | None]:
    """Straight lines t = a + b*N through the two largest sizes of each engine: (a_pandas, b_pandas, a_dask,
    b_dask, N where they cross, or None when dask's line never drops below pandas')."""
    (n0, n1), (p0, p1), (d0, d1) = sizes[-2:], pandas_s[-2:], dask_s[-2:]
    bp, bd = (p1 - p0) / (n1 - n0), (d1 - d0) / (n1 - n0)
    ap, ad = p0 - bp * n0, d0 - bd * n0
    cross = (ad - ap) / (bp - bd) if bd < bp else None
    return ap, bp, ad, bd, cross if cross is None or cross > 0 else 0.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# Starts a command from a small process and reports its peak RSS. Linux counts in a process's maximum
# resident set the memory of the process it was forked from, up to its exec: a command started straight from
# this script (which holds a million synthetic events' worth of memory after synth) would be measured at no
# less than this script's own size. Forked from this small launcher, its floor is the launcher's few MB.
# The launcher times the command itself too, so its own start-up is not counted.
LAUNCH = """
import os, sys, time
report, cmd = int(sys.argv[1]), sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(report)
    os.execvp(cmd[0], cmd)
_, status, usage = os.wait4(pid, 0)
os.write(report, f"{time.perf_counter() - t0} {usage.ru_maxrss}".encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(cmd: list[str], cwd: Path = REPO, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run one process to completion: (wall seconds, peak RSS in bytes of that process), the process started
    and timed by LAUNCH so that its peak is its own."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(write_fd), *cmd], cwd=cwd, env=_env() | (env or {}),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd,))
    os.close(write_fd)
    out = proc.stdout.read()
    proc.wait()
    with os.fdopen(read_fd, "rb") as fh:
        wall, maxrss = fh.read().split()
    if proc.returncode != 0:
        sys.stderr.write(out.decode(errors="replace"))
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return float(wall), int(maxrss) * 1024  # Linux reports KiB


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run one process to completion: (wall seconds, its stderr)."""
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=REPO, env=_env() | (env or {}), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        sys.stderr.write(res.stdout + res.stderr)
        raise SystemExit(f"failed ({res.returncode}): {' '.join(cmd)}")
    return wall, res.stderr


def same_files(a: Path, b: Path) -> bool:
    """Do two output folders hold the same files, byte for byte?"""
    names = sorted(p.name for p in a.iterdir() if not p.name.startswith("."))
    return names == sorted(p.name for p in b.iterdir() if not p.name.startswith(".")) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names)


def best(cmd: list[str], repeat: int) -> tuple[float, int]:
    runs = [run(cmd) for _ in range(repeat)]
    return min(w for w, _ in runs), max(r for _, r in runs)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    ram = "unknown"
    try:
        kib = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        ram = f"{kib / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    import pandas
    import pyarrow

    return {"CPU": cpu, "cores": str(os.cpu_count()), "RAM": ram, "OS": platform.platform(),
            "Python": platform.python_version(), "pandas": pandas.__version__, "pyarrow": pyarrow.__version__,
            "load average at the start (1, 5, 15 min)": load()}


def load() -> str:
    """The machine's load average: on a shared machine other processes slow every figure down."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def raw_rows(raw: Path) -> int:
    import pyarrow.csv as c

    opts = c.ParseOptions(newlines_in_values=True)
    return sum(c.read_csv(p, parse_options=opts).num_rows for p in raw.glob("*.csv"))


def profile(raw: Path, out: Path, top: int = 30) -> str:
    prof = out.parent / "clean.prof"
    run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "analysis", "clean", "--raw", str(raw),
         "--out", str(out)])
    buf = io.StringIO()
    st = pstats.Stats(str(prof), stream=buf)
    st.strip_dirs().sort_stats("cumulative").print_stats(top)
    text = buf.getvalue()
    keep = text[text.find("ncalls"):] if "ncalls" in text else text
    return keep.rstrip()


REPRO_BEGIN, REPRO_END = "<!-- BEGIN REPRODUCE -->", "<!-- END REPRODUCE -->"
TARGETS_BEGIN, TARGETS_END = "<!-- BEGIN TARGETS -->", "<!-- END TARGETS -->"
IMPORT_RATIO, IMPORT_RSS_GIB, STARTUP_RATIO, CLEAN_RATIO = 6.0, 1.5, 1.5, 10.0
BARE = "import pandas, pyarrow"
COMMANDS = ["clean", "import acled", "import ucdp", "synth", "run", "verify"]


def paired(cmd: list[str], floor_cmd: list[str], repeat: int) -> dict:
    """`repeat` rounds of a command and its floor back to back, which one first alternating: the same code ran up to
    30% slower from one run to the next on this machine, in CPU time too, so a ratio of two medians taken minutes
    apart moved with the machine. Each pair's ratio is of two runs a few seconds apart. Gives the median wall
    times (s, floor), the largest peaks (rss, floor_rss), every run's peak (peaks) and each pair's ratio
    (ratios)."""
    walls, floors, peaks, floor_peaks = [], [], [], []
    for i in range(repeat):
        first, second = (cmd, floor_cmd) if i % 2 == 0 else (floor_cmd, cmd)
        a, b = run(first), run(second)
        (wall, peak), (floor, floor_peak) = (a, b) if i % 2 == 0 else (b, a)
        walls.append(wall)
        floors.append(floor)
        peaks.append(peak)
        floor_peaks.append(floor_peak)
    return {"s": statistics.median(walls), "rss": max(peaks), "peaks": peaks, "floor": statistics.median(floors),
            "floor_rss": max(floor_peaks), "ratios": [w / f for w, f in zip(walls, floors, strict=True)]}


def ratio_cells(ratios: list[float], target: float) -> tuple[str, str]:
    """A targets-table row's ratio (the median of the pairs', their range in brackets) and verdict (on the median,
    with how many pairs were within the target)."""
    mid, within = statistics.median(ratios), sum(r <= target for r in ratios)
    cell = f"{mid:.1f}x ({min(ratios):.1f}-{max(ratios):.1f})" if len(ratios) > 1 else f"{mid:.1f}x"
    return cell, f"{'met' if mid <= target else '**missed**'} ({within} of {len(ratios)} pairs within)"


def startup(repeat: int) -> dict[str, float]:
    """Median seconds of a bare `python -c "import pandas, pyarrow"` and of each command's `--help`, the runs
    interleaved so that a busy spell on the machine slows them alike."""
    cmds = {BARE: [sys.executable, "-c", BARE]}
    cmds |= {f"{c} --help": [sys.executable, "-m", "analysis", *c.split(), "--help"] for c in COMMANDS}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeat):
        for k, cmd in cmds.items():
            times[k].append(run(cmd)[0])
    return {k: statistics.median(v) for k, v in times.items()}


def io_row(what: str, io_s: float, floor_s: float, ratio: float) -> str:
    """A targets-table row: parsing `what` and writing the command's own outputs, with no work between (FLOOR_IO),
    and the seconds that a target of `ratio` times the parse leaves for the work itself."""
    left = ratio * floor_s - io_s
    return (f"| of which parsing {what} and writing the same outputs alone | {io_s:.1f} s | parse {floor_s:.2f} s | "
            f"{io_s / floor_s:.1f}x | leaves {left:.1f} s for the work | |")


def targets(tmp: Path, raw: Path, out: Path, n_clean: int, import_sizes: list[int], repeat: int,
            scheduler: str | None = None) -> str:
    """The section on issue 17's targets, side by side from one run: `import acled` against a whole-process
    pyarrow parse of the same export (time and peak RSS, at two sizes, to show how memory grows), each
    command's start-up against a bare import of pandas and pyarrow, and the clean against its parse floor;
    with a scheduler, the Dask import's driver peak at each size too (one run each).
    raw/out: a synthetic raw folder of n_clean events and its clean (whose gazetteer the import matches)."""
    sys.path.insert(0, str(REPO / "tests" / "importers"))
    from bench_acled import generate

    files = sorted(str(p) for p in raw.glob("*.csv"))
    info, load_start = machine(), load()
    cleans = paired([sys.executable, "-m", "analysis", "clean", "--raw", str(raw), "--out", str(out)],
                    [sys.executable, "-c", FLOOR, *files], repeat)
    clean_s, clean_rss, floor_s = cleans["s"], cleans["rss"], cleans["floor"]
    clean_io = floor_io(out, tmp / "floor-io", files, repeat)
    shutil.rmtree(tmp / "floor-io", ignore_errors=True)
    print(f"targets: clean {clean_s:.1f} s, floor {floor_s:.2f} s, with its outputs {clean_io:.2f} s", flush=True)
    imports = []
    for n in import_sizes:
        export = tmp / f"acled-{n}.csv"
        generate(export, n, out)
        base = [sys.executable, "-m", "analysis", "import", "acled", str(export), "--gazetteer", str(out)]
        cmd = [*base, "--out", str(tmp / f"import-{n}")]
        imports.append({"n": n, "mb": export.stat().st_size / 2**20}
                       | paired(cmd, [sys.executable, "-c", FLOOR, str(export)], repeat))
        # held together (one range, however large the export): what the ranges save
        imports[-1]["whole"] = once(base, n, tmp / f"import-{n}", "whole", "--range-mb", str(WHOLE_MB))
        if scheduler:  # the Dask path: its driver's peak (the workers are the cluster's processes)
            imports[-1]["dask"] = once(base, n, tmp / f"import-{n}", "dask", "--engine", "dask", "--scheduler",
                                       scheduler)
        imp_s, imp_rss, fl_s = imports[-1]["s"], imports[-1]["rss"], imports[-1]["floor"]
        if n == import_sizes[-1]:
            shutil.rmtree(tmp / f"import-{n}", ignore_errors=True)
            steps = import_steps(export, out, tmp / f"import-{n}")
            imports[-1]["io"] = floor_io(tmp / f"import-{n}", tmp / "floor-io", [str(export)], repeat)
            shutil.rmtree(tmp / "floor-io", ignore_errors=True)
        print(f"targets: import acled {n:,} rows {imp_s:.1f} s, {imp_rss / 2**30:.2f} GiB; floor {fl_s:.2f} s",
              flush=True)
        export.unlink()
        shutil.rmtree(tmp / f"import-{n}", ignore_errors=True)
    starts = startup(max(repeat, 5))
    bare = starts.pop(BARE)

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    info.pop("load average at the start (1, 5, 15 min)", None)
    lines = [TARGETS_BEGIN, "", "## Issue 17's targets, side by side", "",
             "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".", "",
             f"Written by `python tools/bench.py --only-targets --sizes {n_clean} --import-sizes "
             f"{' '.join(str(n) for n in import_sizes)} --repeat {repeat}` (`make bench` writes it too) on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. The commands timed, with N the rows and the "
             "folders temporary:", "",
             "- import: `python -m analysis import acled acled-N.csv --gazetteer OUT --out IMPORT` (OUT: the clean "
             "below, whose gazetteer is the real one);",
             "- its parse: `python -c 'import pyarrow.csv as c; c.read_csv(\"acled-N.csv\", "
             "parse_options=c.ParseOptions(newlines_in_values=True))'`;",
             "- start-up: `python -m analysis COMMAND --help` against `python -c 'import pandas, pyarrow'`;",
             f"- clean: `python -m analysis clean --raw RAW --out OUT` of `python -m analysis synth --rows {n_clean} "
             "--seed 0`, against the same parse of RAW's CSV files;",
             "- *parsing and writing the same outputs alone*: a pyarrow-only process that parses the same "
             "file(s), then writes the command's own output tables (read into memory before its clock starts) as "
             "zstd Parquet and CSV, fsync'ed, two at a time, plus a pyarrow import's start-up, best of the runs: "
             "no cleaning, checks or pandas. The target's time less this is what is left for the work itself.",
             "- the clean is read two ways: issue 17 measures it against the parse alone (its row's verdict), the "
             "developers' brief against parsing plus writing the promised outputs (\"that is the floor the clean is "
             "measured against\"), shown on a row of its own; the import's target names the parse alone.", "",
             f"Load average (1, 5, 15 min) {load_start} at the start, {load()} at the end; whole processes. Each "
             f"import and the clean ran {repeat} times back to back with their parse, which one first alternating "
             "(`paired` in tools/bench.py): the times shown are medians, the ratio is the median of the pairs' "
             "ratios with their range in brackets, and the verdict is on that median (the same code ran up to 30% "
             "slower from one run to the next on this machine, so a ratio of medians taken minutes apart moved with "
             f"the machine). Start-up: medians of {max(repeat, 5)} runs, interleaved. Peak RSS is the process's "
             "maximum resident set (`ru_maxrss` from "
             "`wait4`, what `/usr/bin/time -v` reports as \"Maximum resident set size\"), each process started from a "
             "small launcher (`LAUNCH` in tools/bench.py): Linux counts in a process's peak the memory of the process "
             "it was forked from, and before 2026-12-01 (night) this script's own size after `synth` (about 0.74 GiB) "
             "set a floor under every peak below it. The *parse* of an "
             "export is a whole Python process that imports pyarrow and parses that file with "
             "`pyarrow.csv.read_csv`; the ACLED-shaped exports come from tests/importers/bench_acled.py.", "",
             "| target | measured | against | ratio | target | |", "|---|---:|---:|---:|---|---|"]
    for r in imports:
        cell, said = ratio_cells(r["ratios"], IMPORT_RATIO)
        lines.append(f"| `import acled`, {r['n']:,} rows ({r['mb']:.0f} MiB) | {r['s']:.1f} s | parse "
                     f"{r['floor']:.2f} s | {cell} | within {IMPORT_RATIO:g}x | {said} |")
        if "io" in r:
            lines.append(io_row("that export", r["io"], r["floor"], IMPORT_RATIO))
        gib = r["rss"] / 2**30
        lines.append(f"| peak RSS of that import | {gib:.2f} GiB | parse {r['floor_rss'] / 2**30:.2f} GiB | | under "
                     f"{IMPORT_RSS_GIB:g} GiB | {verdict(gib < IMPORT_RSS_GIB)} |")
    for a, b in zip(imports, imports[1:], strict=False):  # memory may grow only past some size: every pair
        lines.append(growth_row(f"growth of peak RSS, {a['n']:,} -> {b['n']:,} rows", a, b))
    for r in imports:
        w = r["whole"]
        lines.append(f"| the same import held together (`--range-mb {WHOLE_MB}`, one run, {w['s']:.1f} s; same "
                     f"files: {'yes' if w['same'] else 'NO'}) | {w['peaks'][0] / 2**30:.2f} GiB | | | for "
                     f"comparison | {'' if w['same'] else '**differs**'} |")
    wholes = [r["whole"] for r in imports]
    for a, b in zip(wholes, wholes[1:], strict=False):
        lines.append(growth_row(f"growth of the peak held together, {a['n']:,} -> {b['n']:,} rows", a, b))
    dask = [r["dask"] for r in imports if "dask" in r]
    for d in dask:
        gib = d["peaks"][0] / 2**30
        lines.append(f"| driver's peak RSS, `import acled --engine dask`, {d['n']:,} rows (one run, {d['s']:.1f} "
                     f"s; same files: {'yes' if d['same'] else 'NO'}) | {gib:.2f} GiB | | | under "
                     f"{IMPORT_RSS_GIB:g} GiB | {verdict(gib < IMPORT_RSS_GIB and d['same'])} |")
    for a, b in zip(dask, dask[1:], strict=False):
        lines.append(growth_row(f"growth of the driver's peak, {a['n']:,} -> {b['n']:,} rows", a, b))
    for cmd, sec in starts.items():
        ratio = sec / bare
        lines.append(f"| `python -m analysis {cmd}` | {sec:.2f} s | bare import {bare:.2f} s | {ratio:.2f}x | "
                     f"within {STARTUP_RATIO:g}x | {verdict(ratio <= STARTUP_RATIO)} |")
    cell, said = ratio_cells(cleans["ratios"], CLEAN_RATIO)
    lines.append(f"| `clean` of {n_clean:,} synthetic events | {clean_s:.1f} s | parse {floor_s:.2f} s | "
                 f"{cell} | within {CLEAN_RATIO:g}x | {said} |")
    lines.append(io_row("the raw files", clean_io, floor_s, CLEAN_RATIO))
    io_ratio = clean_s / clean_io  # the developers' brief: "parsing plus writing the promised outputs ... is the floor"
    lines.append(f"| `clean` against parsing and writing its outputs (the developers' brief's floor) | "
                 f"{clean_s:.1f} s | {clean_io:.1f} s | {io_ratio:.1f}x | within {CLEAN_RATIO:g}x | "
                 f"{verdict(io_ratio <= CLEAN_RATIO)} on that reading |")
    lines.append(f"| peak RSS of that clean | {clean_rss / 2**30:.2f} GiB | | | | |")
    last = imports[-1]
    lines += ["", f"Where one `import acled` of {last['n']:,} rows spends its time and memory (one more run, "
              f"{steps['wall']:.1f} s in all; `import_steps` in tools/bench.py wraps the import's own functions and "
              "samples the resident set every 20 ms; a step's time includes the steps listed under it, and a "
              "*continued* row is its parent's own time after the step above):", "",
              "| step | s | peak RSS GiB |", "|---|---:|---:|"]
    rows = steps["steps"]
    # a ranged import's step holds the others (its first rows start within the sampler's 20 ms: its own row
    # may be missing, so its time is read from `spent`)
    ranged = steps.get("spent", {}).get(IMPORT_RANGED_STEP)
    top = ranged if ranged else sum(sec for label, sec, _ in rows if label in IMPORT_TOP_STEPS and sec)
    for i, (label, sec, rss) in enumerate(rows):
        if i == 0:  # what the wrapped steps leave: start-up, reading, mapping and spilling the batches, exit
            label, sec = "start-up, reading and mapping the export in batches, spilling their text; exit", \
                steps["wall"] - top
        elif label == rows[0][0] + " (continued)":
            label = "after the writes (publishing, exit)"
        lines.append(f"| {label} | {'' if sec is None else f'{sec:.1f}'} | {rss / 2**30:.2f} |")
    lines += ["", TARGETS_END]
    return "\n".join(lines)


def once(base: list[str], n: int, default: Path, name: str, *options: str) -> dict:
    """One more run of the import `base` (n rows) with these options, into a folder beside `default` (the
    default run's output): its time, peak and whether its files are the same as the default run's."""
    where = default.with_name(f"import-{name}-{n}")
    sec, rss = run([*base, "--out", str(where), *options])
    got = {"n": n, "s": sec, "peaks": [rss], "same": same_files(default, where)}
    shutil.rmtree(where, ignore_errors=True)
    return got


def growth_row(what: str, a: dict, b: dict) -> str:
    """A targets-table row for how the peak grew from import a to the larger import b (each a dict with the rows
    `n` and its runs' `peaks`): GiB per million rows between the median peaks of their runs (one run's peak
    moved by up to 0.1 GiB from run to run, more than the growth looked for), the runs' ranges beside it."""
    def span(r: dict) -> str:
        return f"{min(r['peaks']) / 2**30:.2f}-{max(r['peaks']) / 2**30:.2f}" if len(r["peaks"]) > 1 else \
            f"{r['peaks'][0] / 2**30:.2f}"

    per = (statistics.median(b["peaks"]) - statistics.median(a["peaks"])) / (b["n"] - a["n"]) * 1e6 / 2**30
    return (f"| {what} | {per:.2f} GiB per million rows | median peaks; runs {span(a)} and {span(b)} GiB | | "
            f"none (streaming) | {'met' if per < 0.05 else '**missed**'} |")


def cores_here() -> int:
    """The cores this process may use (a Dask worker process each)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def splice(doc: Path, section: str, begin: str, end: str) -> None:
    """Replace the section between begin and end in doc (append it when there is none)."""
    text = doc.read_text(encoding="utf-8")
    if begin in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")


def reproduce_timings() -> str:
    """`make reproduce` on a fresh clone of HEAD: once creating .venv, once with it installed."""
    tmp = Path(tempfile.mkdtemp(prefix="oskil-repro-"))
    try:
        subprocess.run(["git", "clone", "-q", str(REPO), str(tmp / "repo")], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            subprocess.run(["make", "reproduce"], cwd=tmp / "repo", env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True).stdout.strip()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return "\n".join([
        REPRO_BEGIN, "", "## `make reproduce` on a fresh clone", "",
        f"A `git clone` of commit {commit}, then `make reproduce` twice (wall time, whole command): the first",
        "creates `.venv` from `requirements.lock` (pip, with the machine's package cache), cleans, runs the",
        "three notebooks and renders the reports; the second reuses `.venv` (targets: under 2 minutes and",
        "under 60 s).", "", "| run | s |", "|---|---:|",
        f"| first (creates the environment) | {times[0]:.1f} |", f"| second (environment installed) | {times[1]:.1f} |",
        "", REPRO_END])


def import_timings(n: int, gaz: Path, tmp: Path, scheduler: str) -> list[tuple[str, float, int, bool]]:
    """`import acled` of an n-row ACLED-shaped export (tests/importers/bench_acled.py) with each engine, one run
    each: [(engine, seconds, peak RSS of the importing process in bytes, same files as the pandas import)]. The
    Dask engine's peak is its driver's (the workers are processes of their own)."""
    sys.path.insert(0, str(REPO / "tests" / "importers"))
    from bench_acled import generate

    export = tmp / "acled_export.csv"
    generate(export, n, gaz)
    base = [sys.executable, "-m", "analysis", "import", "acled", str(export), "--gazetteer", str(gaz)]
    pw, prss = run([*base, "--out", str(tmp / "import-pandas")])
    dw, drss = run([*base, "--out", str(tmp / "import-dask"), "--engine", "dask", "--scheduler", scheduler])
    same = same_files(tmp / "import-pandas", tmp / "import-dask")
    print(f"import acled, {n:,} rows: pandas {pw:.1f} s, {prss / 2**30:.2f} GiB; dask {dw:.1f} s, driver "
          f"{drss / 2**30:.2f} GiB; same files: {same}", flush=True)
    export.unlink()
    return [("pandas", pw, prss, True), ("dask --scheduler", dw, drss, same)]


def dask_section(rows: list[dict], local: tuple[int, float] | None, imports: list[tuple[str, float, int, bool]],
                 cores: int) -> list[str]:
    """The '--engine dask' part of the document: per size, the crossover, and where the time goes."""
    out = ["", "### `--engine dask` on the same cores", "",
           f"`python -m analysis clean --engine dask --scheduler ADDRESS` against a cluster started for the bench "
           f"the way an institution runs one: `dask scheduler` and {cores} `dask worker` processes of one thread "
           f"each (one per core this process may use, {cores}), each with an equal share of the RAM, all on "
           f"127.0.0.1. The pandas engine runs on the same {cores} cores (its reads and writes use two threads). "
           "One run of the Dask engine per size (the pandas figure is the best of the runs above). *Cluster* is "
           "the time until the workers' blocks are gathered (connecting, checking the workers' code, reading "
           "gazetteer and sources, scanning, parsing and row-stepping every block, moving the rows back); "
           "*driver* is what follows in the driver alone (the steps across rows, incidents, validation, writes).",
           "", "| events | pandas s | dask s | dask / pandas | cluster s | driver s | same files |",
           "|---:|---:|---:|---:|---:|---:|---|"]
    out += [f"| {r['n']:,} | {r['pandas']:.1f} | {r['dask']:.1f} | {r['dask'] / r['pandas']:.2f} | "
            f"{r['cluster']:.1f} | {r['driver']:.1f} | {'yes' if r['same'] else 'NO'} |" for r in rows]
    if len(rows) >= 2:
        ap, bp, ad, bd, cross = crossover([r["n"] for r in rows], [r["pandas"] for r in rows],
                                          [r["dask"] for r in rows])
        out += ["", f"**Crossover.** Straight lines through the two largest sizes: pandas {ap:.1f} s + "
                f"{bp * 1e6:.1f} s per million events, Dask {ad:.1f} s + {bd * 1e6:.1f} s per million events."]
        if cross is not None:
            out += [f"On these {cores} cores the Dask engine is faster from about {cross:,.0f} events on."]
        else:
            last = rows[-1]
            spare = last["pandas"] - last["driver"]
            out += [f"On these {cores} cores they never cross: every extra event costs the Dask engine more "
                    "than the pandas engine (the rows travel between processes, and the driver then does the "
                    "steps across rows that the pandas engine does anyway)."]
            if spare > 0:
                need = cores * last["cluster"] / spare
                out += [f"At {last['n']:,} events the driver's own part alone takes {last['driver']:.1f} s "
                        f"against {last['pandas']:.1f} s for the whole pandas clean, so the cluster part "
                        f"({last['cluster']:.1f} s on {cores} threads) would have to shrink below "
                        f"{spare:.1f} s: if it scaled with the worker threads, from about {need:.0f} threads on "
                        "(an extrapolation, not a measurement)."]
            else:
                out += [f"At {last['n']:,} events the driver's own part alone ({last['driver']:.1f} s) took "
                        f"longer than the whole pandas clean ({last['pandas']:.1f} s) in this run. The steps "
                        "across rows run in the driver with either engine and more workers cannot shorten them, "
                        "so on data that fits one machine the Dask engine can at best save the pandas engine's "
                        "parsing and row steps; it is for raw files that do not fit, or that live where only a "
                        "cluster reads them."]
    if local:
        out += ["", f"Without --scheduler (a local cluster started for the run, {cores} worker processes): "
                f"{local[1]:.1f} s at {local[0]:,} events, one run."]
    if imports:
        out += ["", "`python -m analysis import acled` of an ACLED-shaped export of "
                f"{rows[0]['n']:,} rows (tests/importers/bench_acled.py), one run per engine, same cluster:", "",
                "| engine | s | peak RSS, GiB (Dask: its driver) | same files as pandas |", "|---|---:|---:|---|"]
        out += [f"| {e} | {w:.1f} | {rss / 2**30:.2f} | {'yes' if same else 'NO'} |" for e, w, rss, same in imports]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-notebooks", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--doc", type=Path, default=DOC)
    ap.add_argument("--no-reproduce", action="store_true", help="skip timing `make reproduce` on a fresh clone")
    ap.add_argument("--only-reproduce", action="store_true",
                    help="time `make reproduce` only and update that section of the document")
    ap.add_argument("--only-targets", action="store_true",
                    help="measure issue 17's targets only (import, start-up, clean at the largest size) and update "
                         "that section of the document")
    ap.add_argument("--import-sizes", type=int, nargs="+", default=[250_000, 1_000_000, 2_000_000],
                    help="rows of the ACLED-shaped exports imported for the targets")
    args = ap.parse_args(argv)
    if args.only_targets:
        sys.path.insert(0, str(SRC))
        from analysis.testdata.synth import synth

        tmp = Path(tempfile.mkdtemp(prefix="oskil-bench-"))
        try:
            n = args.sizes[-1]
            synth(n, tmp / "raw", seed=0)
            with contextlib.ExitStack() as stack:
                scheduler = None if args.no_dask else stack.enter_context(dask_cluster(cores_here(), tmp))
                section = targets(tmp, tmp / "raw", tmp / "out", n, args.import_sizes, args.repeat, scheduler)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        splice(args.doc, section, TARGETS_BEGIN, TARGETS_END)
        print(section)
        return 0
    if args.only_reproduce:
        text = args.doc.read_text(encoding="utf-8")
        section = reproduce_timings()
        if REPRO_BEGIN in text:
            text = text[:text.index(REPRO_BEGIN)] + section + text[text.index(REPRO_END) + len(REPRO_END):]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        args.doc.write_text(text, encoding="utf-8")
        print(section)
        return 0
    sys.path.insert(0, str(SRC))
    from analysis.testdata.synth import synth

    info = machine()
    rows: list[dict] = []
    notebooks: list[tuple[str, float]] = []
    dask_rows: list[dict] = []
    local_dask: tuple[int, float] | None = None
    imports: list[tuple[str, float, int, bool]] = []
    cores = cores_here()
    where = ""
    steps: list[tuple[str, float]] = []
    tmp = Path(tempfile.mkdtemp(prefix="oskil-bench-"))
    stack = contextlib.ExitStack()
    try:
        scheduler = None if args.no_dask else stack.enter_context(dask_cluster(cores, tmp))
        for n in args.sizes:
            raw, out = tmp / f"raw-{n}", tmp / f"out-{n}"
            t0 = time.perf_counter()
            synth(n, raw, seed=0)
            t_synth = time.perf_counter() - t0
            files = sorted(str(p) for p in raw.glob("*.csv"))
            total = raw_rows(raw)
            size = sum(Path(f).stat().st_size for f in files)
            clean_cmd = [sys.executable, "-m", "analysis", "clean", "--raw", str(raw), "--out", str(out)]
            floor_cmd = [sys.executable, "-c", FLOOR, *files]
            wall, rss = best(clean_cmd, args.repeat)
            fwall, frss = best(floor_cmd, args.repeat)
            rows.append({"n": n, "rows": total, "mb": size / 1e6, "synth": t_synth, "clean": wall, "rss": rss,
                         "floor": fwall, "floor_rss": frss})
            if n == args.sizes[-1]:
                rows[-1]["floor_io"] = floor_io(out, tmp / "floor-io", files, args.repeat)
                steps = phases(raw, tmp / "out-phases")
                print(f"N={n:,}: floor with the outputs {rows[-1]['floor_io']:.2f} s", flush=True)
            if scheduler:
                dout = tmp / f"dask-{n}"
                dwall, err = timed([sys.executable, "-m", "analysis", "clean", "--engine", "dask", "--scheduler",
                                    scheduler, "--raw", str(raw), "--out", str(dout)], {"OSKIL_PROGRESS": "1"})
                cluster_s, driver_s = dask_split(err, dwall)
                dask_rows.append({"n": n, "dask": dwall, "pandas": wall, "cluster": cluster_s, "driver": driver_s,
                                  "same": same_files(out, dout)})
                shutil.rmtree(dout, ignore_errors=True)
                print(f"N={n:,}: clean --engine dask --scheduler {dwall:.1f} s (one run; cluster part "
                      f"{cluster_s:.1f} s, driver after it {driver_s:.1f} s); same files: {dask_rows[-1]['same']}",
                      flush=True)
            if scheduler and n == args.sizes[0]:
                lwall, _ = timed([sys.executable, "-m", "analysis", "clean", "--engine", "dask", "--raw", str(raw),
                                  "--out", str(tmp / f"dask-local-{n}")])
                local_dask = (n, lwall)
                imports = import_timings(n, out, tmp, scheduler)
            print(f"N={n:,}: {total:,} raw rows, {size / 1e6:.0f} MB; clean {wall:.1f} s "
                  f"({total / wall:,.0f} rows/s, peak RSS {rss / 2**30:.2f} GiB); floor {fwall:.1f} s; "
                  f"ratio {wall / fwall:.2f}", flush=True)
        n = args.sizes[-1]
        raw, out = tmp / f"raw-{n}", tmp / f"out-{n}"
        if not args.no_notebooks:
            for nb in NOTEBOOKS:
                dest = tmp / f"{nb.stem}.out.ipynb"
                w, _ = run([sys.executable, "-m", "papermill", str(nb.relative_to(REPO)), str(dest), "-p",
                            "data_dir", str(out), "-k", "python3"])
                notebooks.append((nb.name, w))
                print(f"{nb.name}: {w:.1f} s", flush=True)
        where = profile(raw, tmp / "out-profile")
        target_section = targets(tmp, raw, tmp / "out-targets", n, args.import_sizes, args.repeat, scheduler)
    finally:
        stack.close()
        shutil.rmtree(tmp, ignore_errors=True)

    lines = ["# Benchmarks", "",
             f"Written by `make bench` (tools/bench.py) on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. "
             "Synthetic raw data from `python -m analysis synth` (seed 0): N events, N/3 casualties, N/20 "
             "statements, N/50 control claims, N/100 tallies, N/10 sources, and the real gazetteer; "
             "about 0.5% bad rows per table.", "", "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in info.items()] + [f"- load average at the end (1, 5, 15 min): {load()}"]
    lines += ["", "## Clean", "",
              f"Whole processes, best of {args.repeat}. *clean* is `python -m analysis clean --raw R --out O`; "
              "*floor* is a Python process that imports pyarrow and parses the same raw CSVs with "
              "`pyarrow.csv.read_csv` (the least any clean of these files could cost). Peak RSS is the "
              "clean process's maximum resident set (`ru_maxrss` from `wait4`). Targets at 1M events: "
              f"clean within {TARGET_RATIO:g}x the floor and under {TARGET_RSS_GIB:g} GiB.", "",
              "| events | raw rows (all tables) | raw MB | clean s | rows/s | peak RSS GiB | floor s | "
              "clean / floor |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['rows']:,} | {r['mb']:.0f} | {r['clean']:.1f} | "
                     f"{r['rows'] / r['clean']:,.0f} | {r['rss'] / 2**30:.2f} | {r['floor']:.2f} | "
                     f"{r['clean'] / r['floor']:.2f} |")
    last = rows[-1]
    ratio, gib = last["clean"] / last["floor"], last["rss"] / 2**30
    lines += ["", f"Against the targets at {last['n']:,} events: clean / floor = {ratio:.1f} (target {TARGET_RATIO:g}: "
              + ("met" if ratio <= TARGET_RATIO else f"missed, {ratio / TARGET_RATIO:.1f}x over") + f"); peak RSS "
              f"{gib:.2f} GiB (target under {TARGET_RSS_GIB:g} GiB: " + ("met" if gib < TARGET_RSS_GIB else "missed")
              + ")."]
    if "floor_io" in last:
        fio = last["floor_io"]
        lines += ["", "### The floor with Oskil's outputs", "",
                  "The floor parses the raw files and stops. A clean must also write what it promises: every "
                  "processed table as zstd Parquet and as a CSV twin, each fsync'ed before it is renamed into "
                  "place. *Floor with outputs* is a pyarrow-only process that parses the same raw CSVs and then "
                  "writes the clean's own processed tables (loaded into memory before its clock starts) that way, "
                  "two tables at a time, plus the start-up of a Python process that imports pyarrow. It does no "
                  "cleaning, no validation and imports no pandas.", "",
                  "| events | floor s | floor with outputs s | floor with outputs / floor | clean s | "
                  "clean / floor with outputs |", "|---:|---:|---:|---:|---:|---:|",
                  f"| {last['n']:,} | {last['floor']:.2f} | {fio:.2f} | {fio / last['floor']:.1f} | "
                  f"{last['clean']:.1f} | {last['clean'] / fio:.1f} |", "",
                  f"Reading and writing alone take {fio / last['floor']:.1f}x the floor, so the {TARGET_RATIO:g}x "
                  "target " + ("leaves no time for the clean itself" if fio / last["floor"] >= TARGET_RATIO * 0.9
                               else f"leaves {TARGET_RATIO * last['floor'] - fio:.1f} s for the clean itself")
                  + " (imports of pandas and pandera, parsing dates, places and counts, the checks, linking "
                  "incidents, validation)."]
    if dask_rows:
        lines += dask_section(dask_rows, local_dask, imports, cores)
    if notebooks:
        lines += ["", f"## Notebooks on the {args.sizes[-1]:,}-event processed data", "",
                  "`python -m papermill notebooks/X.ipynb out.ipynb -p data_dir O -k python3`, one run each, "
                  "wall time of the whole process.", "", "| notebook | s |", "|---|---:|"]
        lines += [f"| {name} | {w:.1f} |" for name, w in notebooks]
    lines += ["", f"## Where the time goes ({args.sizes[-1]:,} events)", ""]
    if steps:
        lines += ["One clean with `OSKIL_PROGRESS=1`, seconds between its progress lines. Each table is validated "
                  "and handed to a background writer as soon as it is final, so from the events onwards the "
                  "steps below share the two cores with the Parquet and CSV writes of the tables before them.",
                  "", "| step | s |", "|---|---:|"]
        lines += [f"| {name} | {sec:.1f} |" for name, sec in steps]
        lines += [""]
    lines += ["cProfile of one clean (the main thread only: the writer threads are not profiled), top functions "
              "by cumulative time:", "", "```", where, "```", ""]
    lines += [target_section, ""]
    if not args.no_reproduce:
        lines += [reproduce_timings(), ""]
    args.doc.write_text("\n".join(lines))
    print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
