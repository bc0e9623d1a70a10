"""stream.read_ahead: the export's next batch made on a thread of its own, in order, errors in their place."""

from __future__ import annotations

import threading
import time

import pytest

from analysis.importers.stream import read_ahead


def test_items_come_in_order_and_are_made_on_another_thread():
    made_on = []

    def items():
        for i in range(50):
            made_on.append(threading.current_thread().name)
            yield i

    assert list(read_ahead(items())) == list(range(50))
    assert set(made_on) == {"oskil-read-ahead"}


def test_an_error_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("bad block")

    got = []
    with pytest.raises(ValueError, match="bad block"):
        for x in read_ahead(items()):
            got.append(x)
    assert got == [1, 2]


def test_a_caller_that_stops_early_stops_the_worker():
    made = []

    def items():
        for i in range(1000):
            made.append(i)
            yield i

    it = read_ahead(items(), depth=1)
    assert next(it) == 0
    it.close()  # what a for loop left by an exception does
    assert not any(t.name == "oskil-read-ahead" for t in threading.enumerate())
    assert len(made) <= 3  # the one taken, the one waiting, at most one more being made


def test_a_chain_of_stages_stops_stage_by_stage():
    """common.run reads ahead twice (the parse, then the checks before place matching): a caller that stops
    early stops both workers."""
    def items():
        yield from range(1000)

    def doubled(xs):
        for x in xs:
            yield 2 * x

    it = read_ahead(doubled(read_ahead(items())), name="oskil-prepare")
    assert [next(it) for _ in range(3)] == [0, 2, 4]
    it.close()
    assert not any(t.name in ("oskil-read-ahead", "oskil-prepare") for t in threading.enumerate())


def test_an_error_of_the_first_stage_reaches_the_caller_through_the_second():
    def items():
        yield 1
        raise ValueError("bad block")

    got = []
    with pytest.raises(ValueError, match="bad block"):
        for x in read_ahead(read_ahead(items()), name="oskil-prepare"):
            got.append(x)
    assert got == [1]


def test_hold_makes_one_item_ahead_of_the_one_taken():
    made = []

    def items():
        for i in range(100):
            made.append(i)
            yield i

    it = read_ahead(items(), hold=True)
    assert next(it) == 0
    time.sleep(0.3)
    assert made == [0, 1]  # the one taken and the one made ahead: no third
    assert next(it) == 1
    time.sleep(0.3)
    assert made == [0, 1, 2]
    assert list(it) == list(range(2, 100))
