"""clean_frames cleans the statements, control and tallies, and links the statements, on a second thread while the
events and casualties are cleaned and linked (pipeline._beside). Checked here: the same bytes as those steps one
after the other, the same first error, and no thread left behind."""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from pathlib import Path

import pytest

from analysis.clean import pipeline, tables, utterances
from analysis.clean.errors import CleanError
from analysis.support.checksum import sha256

BESIDE = ((tables, "statements"), (tables, "control"), (tables, "tallies"), (utterances, "link_statements"))


class Inline(Executor):
    """An executor that runs each step as it is submitted, on the caller's thread: the steps one after the other."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        done: Future = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed on, as a thread's future would
            done.set_exception(e)
        return done


@contextmanager
def inline():
    yield Inline()


def snapshot(out: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(out.iterdir()) if p.is_file()}


def beside_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("oskil-beside")]


@pytest.fixture
def messy(raw):
    """The fixture with a rejected row in each table cleaned beside, and in the events."""
    raw.copy_row("statements", "ST-0001", "ST-0100").set("statements", "ST-0100", "date_reported", "31/02/2022")
    raw.copy_row("control", "CL-0001", "CL-0100").set("control", "CL-0100", "source_id", "src_9999999999")
    raw.copy_row("tallies", "TA-0001", "TA-0100").set("tallies", "TA-0100", "date_reported", "31/02/2022")
    raw.copy_row("events", "EV-0001", "EV-0100").set("events", "EV-0100", "date_reported", "31/02/2022")
    raw.write()
    return raw


def test_the_steps_beside_run_on_the_second_thread(messy, tmp_path, monkeypatch):
    ran_on: dict[str, str] = {}
    for module, name in BESIDE:
        def spy(*args, _real=getattr(module, name), _name=name, **kwargs):
            thread = threading.current_thread().name
            if thread != "oskil-kernels":  # the compiled loops' warm-up links a statement of its own
                ran_on[_name] = thread
            return _real(*args, **kwargs)
        monkeypatch.setattr(module, name, spy)
    summary = pipeline.clean(messy.path, tmp_path / "out")
    assert sorted(ran_on) == sorted(name for _, name in BESIDE)
    assert all(t.startswith("oskil-beside") for t in ran_on.values()), ran_on
    assert {t: summary.rejected[t] for t in ("statements", "control", "tallies", "events")} == {
        "statements": 1, "control": 1, "tallies": 1, "events": 1}
    assert not beside_threads()


def test_same_bytes_as_the_steps_one_after_the_other(messy, tmp_path, monkeypatch):
    pipeline.clean(messy.path, tmp_path / "beside")
    monkeypatch.setattr(pipeline, "_beside", inline)
    pipeline.clean(messy.path, tmp_path / "inline")
    assert snapshot(tmp_path / "beside") == snapshot(tmp_path / "inline")


def failing(file: str):
    def fail(*args, **kwargs):
        raise CleanError(file, 2, "x", "y", "a value the test refuses")
    return fail


@pytest.mark.parametrize(("fails", "raised"), [
    (("control",), "control.csv"),
    (("statements",), "statements.csv"),
    # the events are cleaned before any of the tables beside them, one step after the other: their error first
    (("events", "statements", "control", "tallies"), "events.csv"),
    # the statements are cleaned before control and tallies: theirs first
    (("statements", "control", "tallies"), "statements.csv"),
    (("control", "tallies"), "control.csv"),
])
def test_the_first_error_is_the_one_of_the_steps_in_order(raw, tmp_path, monkeypatch, fails, raised):
    raw.write()
    for name in fails:
        monkeypatch.setattr(tables, name, failing(f"{name}.csv"))
    with pytest.raises(CleanError) as err:
        pipeline.clean(raw.path, tmp_path / "out")
    assert err.value.file == raised
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert not beside_threads()


@pytest.mark.filterwarnings("ignore:the warm-up of the compiled linking loops failed")
def test_an_error_in_the_statements_linking_is_raised_before_control_is_taken(raw, tmp_path, monkeypatch):
    raw.write()
    monkeypatch.setattr(utterances, "link_statements", failing("links.csv"))
    monkeypatch.setattr(tables, "control", failing("control.csv"))
    with pytest.raises(CleanError) as err:
        pipeline.clean(raw.path, tmp_path / "out")
    assert err.value.file == "links.csv"
    assert not beside_threads()


def test_a_failure_on_this_thread_waits_for_the_step_beside(raw, tmp_path, monkeypatch):
    """The events fail while control is being cleaned beside: control may end only once the clean is on its way
    out (the wrapped _beside lets it go), and the clean raises only after it has ended."""
    raw.write()
    started, release, ended = threading.Event(), threading.Event(), []
    real_control, real_beside = tables.control, pipeline._beside

    def slow_control(*args, **kwargs):
        started.set()
        assert release.wait(timeout=60)
        ended.append("control")
        return real_control(*args, **kwargs)

    def events_fail(*args, **kwargs):
        assert started.wait(timeout=60)
        raise CleanError("events.csv", 2, "x", "y", "a value the test refuses")

    @contextmanager
    def watched():
        with real_beside() as pool:
            try:
                yield pool
            finally:
                release.set()

    monkeypatch.setattr(tables, "control", slow_control)
    monkeypatch.setattr(tables, "events", events_fail)
    monkeypatch.setattr(pipeline, "_beside", watched)
    with pytest.raises(CleanError):
        pipeline.clean(raw.path, tmp_path / "out")
    assert ended == ["control"]
    assert not beside_threads()


def test_beside_cancels_the_steps_not_started_and_waits_for_the_running_one():
    started, release = threading.Event(), threading.Event()

    def running():
        started.set()
        assert release.wait(timeout=60)  # let go only once the step queued behind it is cancelled
        return "ran"

    with pytest.raises(RuntimeError, match="the clean failed"):
        with pipeline._beside() as pool:
            first = pool.submit(running)
            queued = pool.submit(lambda: "never")
            queued.add_done_callback(lambda f: release.set())
            assert started.wait(timeout=60)
            raise RuntimeError("the clean failed")
    assert first.result(timeout=0) == "ran"
    assert queued.cancelled()
    assert not beside_threads()
