"""The Dask cluster the Dask engines run on: the analyst's own (`--scheduler ADDRESS` or the
DASK_SCHEDULER_ADDRESS variable Dask users already set), or a local one started for the run.

Workers and memory come from the cluster: a local cluster gets one single-threaded worker process per core
this process may use, each with an equal share of the machine's memory (Dask's 'auto'); an existing cluster is
taken as it is. The blocks of raw CSV a task parses are small enough for each thread to get a few of them, and
for the smallest memory per thread.
The workers of an existing cluster must run the same Oskil code as this process (checked by a digest of the
package's source), or the tables could differ from the pandas engine's.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analysis.clean.errors import CleanError

ENV = "DASK_SCHEDULER_ADDRESS"
MAX_BLOCK = 32 << 20  # bytes of raw CSV per task, at most
MIN_BLOCK = 1 << 20
BLOCK_SHARE = 24  # a parsed, row-stepped block takes up to ~this many times its bytes in memory
BLOCKS_PER_THREAD = 4  # so that no thread waits long for the last one, whatever the files' sizes


@dataclass(frozen=True)
class Shape:
    """What the run has to work with."""

    address: str
    workers: int
    threads: int
    memory_per_thread: int  # bytes, the smallest over the workers (0: no limit set)
    local: bool

    def blocksize(self, total: int = 0) -> int:
        """Bytes of raw CSV per task: enough blocks of `total` bytes for BLOCKS_PER_THREAD per thread, at most
        MAX_BLOCK, less where a thread's share of memory is smaller, never under MIN_BLOCK."""
        size = MAX_BLOCK
        if total:
            size = min(size, -(-total // (BLOCKS_PER_THREAD * max(self.threads, 1))))
        if self.memory_per_thread:
            size = min(size, self.memory_per_thread // BLOCK_SHARE)
        return max(MIN_BLOCK, size)

    def describe(self, blocksize: int) -> str:
        """One line for the run's summary."""
        mem = f"{self.memory_per_thread / 2**30:.1f} GiB per thread" if self.memory_per_thread else "no memory limit"
        where = "a local cluster" if self.local else f"the cluster at {self.address}"
        return (f"dask: {where}, {self.workers} workers, {self.threads} threads, {mem}, "
                f"{blocksize / 2**20:.3g} MB blocks of raw CSV per task")


def connect_timeout() -> float:
    """Seconds to reach the scheduler and find a worker there (OSKIL_DASK_CONNECT_TIMEOUT, default 10)."""
    try:
        return float(os.environ.get("OSKIL_DASK_CONNECT_TIMEOUT", "10"))
    except ValueError as exc:
        raise CleanError("OSKIL_DASK_CONNECT_TIMEOUT", None, None, os.environ["OSKIL_DASK_CONNECT_TIMEOUT"],
                         "a number of seconds") from exc


def address(given: str | None) -> str | None:
    """The scheduler to use: --scheduler, else DASK_SCHEDULER_ADDRESS, else None (start a local cluster)."""
    return given or os.environ.get(ENV) or None


def cores() -> int:
    """Cores this process may run on (its affinity mask, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def shape(client, local: bool) -> Shape:
    """Workers, threads and memory per thread, as the scheduler reports them."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(w["nthreads"] for w in workers)
    per_thread = [w["memory_limit"] // w["nthreads"] for w in workers if w.get("memory_limit")]
    return Shape(client.scheduler.address, len(workers), threads, min(per_thread, default=0), local)


@functools.cache
def code_digest() -> str:
    """SHA-256 over the analysis package's Python files (names and bytes): the code a worker runs. Kept from
    the first call, so a worker whose files changed after it loaded them still says what it runs."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _identity() -> tuple[str, str, str]:
    """Run on each worker: its Oskil code digest and pandas and pyarrow versions."""
    import pandas
    import pyarrow

    return code_digest(), pandas.__version__, pyarrow.__version__


def check_workers(client, where: str) -> None:
    """Refuse a cluster whose workers cannot run this Oskil, or run another version of it or of pandas/pyarrow."""
    try:
        found = client.run(_identity)
    except Exception as exc:  # an unpickling error names the module the workers lack
        raise CleanError(where, None, None, None, "workers that can import Oskil's analysis package (install "
                         f"this checkout on them, e.g. PYTHONPATH=src); they said: {exc}") from exc
    mine = _identity()
    for worker, theirs in sorted(found.items()):
        if tuple(theirs) != mine:
            what = ("Oskil code" if theirs[0] != mine[0] else
                    f"pandas {theirs[1]} / pyarrow {theirs[2]}, here {mine[1]} / {mine[2]}")
            raise CleanError(where, None, None, None, f"workers running the same Oskil as this process; "
                             f"worker {worker} runs other {what} (install the same commit there and restart "
                             "the workers)")


def _check_address(where: str) -> None:
    """A malformed address is refused before a Client is made (a failed Client complains when collected)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        protocol, loc = parse_address(where)
        if protocol in ("tcp", "tls"):
            parse_host_port(loc, 8786)
    except ValueError as exc:
        raise CleanError(where, None, None, None, f"a scheduler address such as tcp://HOST:8786 ({exc})") from exc


def _connect(where: str):
    from distributed import Client

    _check_address(where)
    timeout = connect_timeout()
    try:
        client = Client(where, timeout=timeout, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise CleanError(where, None, None, None, f"a Dask scheduler reachable within {timeout:g} s "
                         f"(start one with `dask scheduler`; {exc})") from exc
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError) as exc:
        client.close()
        raise CleanError(where, None, None, None, "a scheduler with at least one worker (start one with "
                         f"`dask worker {where}`)") from exc
    return client


def _worker_path() -> None:
    """Worker processes of a local cluster must import analysis as this one does."""
    src = str(Path(__file__).resolve().parents[2])
    if src not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)


@contextmanager
def cluster(scheduler: str | None) -> Iterator[tuple[object, Shape]]:
    """(client, shape) of the cluster named by `scheduler` (see address()), or of a new local cluster."""
    where = address(scheduler)
    if where:
        client = _connect(where)
        try:
            check_workers(client, where)
            yield client, shape(client, local=False)
        finally:
            client.close()
        return
    from distributed import Client, LocalCluster

    _worker_path()
    limit = os.environ.get("OSKIL_DASK_MEMORY_LIMIT", "auto")
    with LocalCluster(n_workers=cores(), threads_per_worker=1, processes=True, memory_limit=limit,
                      dashboard_address=":0", silence_logs=logging.ERROR, host="127.0.0.1") as lc, \
            Client(lc, set_as_default=False) as client:
        yield client, shape(client, local=True)
