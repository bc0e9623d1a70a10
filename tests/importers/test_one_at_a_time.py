"""common.one_at_a_time: the import's batches spilled on a thread of their own, in order, one at a time (so at
most one batch waits, held), an error raised where the next batch is handed over, and the last one waited for."""

from __future__ import annotations

import threading

import pytest

from analysis.importers.common import one_at_a_time


def test_calls_run_in_order_on_their_thread_and_one_is_pending_at_most():
    log: list[str] = []
    threads: set[str] = set()

    def work(k: int) -> None:
        threads.add(threading.current_thread().name)
        log.append(f"end {k}")

    with one_at_a_time("oskil-test") as aside:
        for k in range(5):
            aside(work, k)
            log.append(f"handed {k}")
    for k in range(1, 5):  # handing k over waited for k-1 to end: never two pending
        assert log.index(f"end {k - 1}") < log.index(f"handed {k}")
    assert [x for x in log if x.startswith("end")] == [f"end {k}" for k in range(5)]
    assert len(threads) == 1 and threading.current_thread().name not in threads


def test_an_error_is_raised_at_the_next_call_and_later_calls_are_not_made():
    made: list[int] = []

    def work(k: int) -> None:
        made.append(k)
        if k == 1:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        with one_at_a_time("oskil-test") as aside:
            for k in range(5):
                aside(work, k)
    assert made == [0, 1]


def test_the_last_calls_error_is_raised_on_leaving():
    def work() -> None:
        raise ValueError("last batch failed")

    with pytest.raises(ValueError, match="last batch failed"):
        with one_at_a_time("oskil-test") as aside:
            aside(work)
