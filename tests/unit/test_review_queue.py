"""The review queue worked out on text ranks, and merged by kind, is the queue candidates() sorts as text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from analysis.clean import incidents, linking, tables
from analysis.registry.schema import TABLES

IDS = ["EV-B2", "EV-A10", "CA-A1", "EV-A9", "EV-A10x", "É-1"]  # text order differs from number order
NAMES = ["INC-EV-A9", "INC-EV-A10", "INC-CA-A1", "INC-EV-A9", "INC-EV-A10", "INC-É-1"]
PAIRS = [(0, 1, 0), (1, 0, 0), (0, 3, 2), (2, 4, 1), (4, 2, 1), (4, 2, 2), (5, 0, 2), (1, 4, 2), (3, 2, 0)]


def _by_text(pairs) -> pd.DataFrame:
    a, b, why = (np.array(x) for x in zip(*pairs, strict=True))
    rule = np.array(linking.PAIR_RULES)[why]
    return incidents.candidates(pd.DataFrame({
        "kind": "incident", "id_a": np.array(IDS)[a], "id_b": np.array(IDS)[b], "rule": rule,
        "group_a": np.array(NAMES)[a], "group_b": np.array(NAMES)[b]}))


def _by_rank(pairs) -> pd.DataFrame:
    a, b, why = (np.array(x, dtype="int64") for x in zip(*pairs, strict=True))
    return incidents._review_queue(pa.array(IDS, pa.large_string()), pa.array(NAMES, pa.large_string()), a, b,
                                   why, pa.array(linking.PAIR_RULES, pa.large_string()))


def test_ranks_give_the_queue_text_gives():
    got = _by_rank(PAIRS)
    assert_frame_equal(got, _by_text(PAIRS))
    assert len(got) == 5  # (0, 3): one group; (1, 4): one group; (1, 0)/(0, 1) and (4, 2)/(2, 4) once each
    assert (got["id_a"] < got["id_b"]).all()


def test_no_pair_and_no_pair_left():
    empty = _by_rank([(0, 3, 0)])  # the same group: nothing to review
    assert empty.empty and list(empty.columns) == ["kind", "id_a", "id_b", "group_a", "group_b", "rule"]
    assert_frame_equal(empty, _by_text([(0, 3, 0)]))
    none = incidents._review_queue(pa.array(IDS, pa.large_string()), pa.array(NAMES, pa.large_string()),
                                   np.array([], dtype="int64"), np.array([], dtype="int64"),
                                   np.array([], dtype="int64"), pa.array(linking.PAIR_RULES, pa.large_string()))
    assert none.empty and all(none[c].dtype == "str" for c in none.columns)


def _rows(kind: str, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"kind": kind, "id_a": [p[0] for p in pairs], "id_b": [p[1] for p in pairs],
                         "group_a": [f"G{p[0]}" for p in pairs], "group_b": [f"G{p[1]}" for p in pairs],
                         "rule": "r"})


def test_merging_by_kind_is_sorting_all():
    done = _by_text(PAIRS)
    other = pd.concat([_rows("victim", [("C2", "C1"), ("C1", "C2")]), _rows("utterance", [("S1", "S3")]),
                       _rows("event", [("E2", "E1")])], ignore_index=True)
    assert_frame_equal(incidents.candidates(other, done=done),
                       incidents.candidates(pd.concat([done, other], ignore_index=True)))


def test_merging_falls_back_to_sorting_when_kinds_meet():
    done = _by_text(PAIRS)
    other = _rows("incident", [("EV-A10", "EV-B2"), ("A", "B")])  # one repeats a pair of done
    assert_frame_equal(incidents.candidates(other, done=done),
                       incidents.candidates(pd.concat([done, other], ignore_index=True)))


def test_finish_keeps_a_table_already_in_order():
    q = _by_text(PAIRS)
    out = tables.finish(q, TABLES["link_candidates"])
    assert_frame_equal(out, q.sort_values("kind", kind="stable").reset_index(drop=True))


def test_columns_share_one_object_per_value():
    df = pd.DataFrame({"t": pd.Series(["a", None, "a", "b"], dtype="str"), "d": [19000, 19001, 19000, 19000],
                       "h": [1.5, np.nan, 1.5, np.nan]})
    t, d, h = linking.columns(df, ["t", "d", "h"])
    assert t == ["a", None, "a", "b"] and t[0] is t[2]
    assert d == [19000, 19001, 19000, 19000] and d[0] is d[2]
    assert h[0] == 1.5 and h[1] != h[1] and h[3] != h[3]
    assert linking.rows(df, ["t", "d"]) == [("a", 19000), (None, 19001), ("a", 19000), ("b", 19000)]


def test_ranks_with_gaps_give_the_same_queue():
    """_id_ranks ranks the reports among every id (casualty rows with an event are not reports): ranks with
    gaps, every id once, take the packed path and give the queue the dense ranks give."""
    a, b, why = (np.array(x, dtype="int64") for x in zip(*PAIRS, strict=True))
    ids = pa.array(IDS, pa.large_string())
    dense = incidents._dense(ids)
    gapped = incidents._review_queue(ids, pa.array(NAMES, pa.large_string()), a, b, why,
                                     pa.array(linking.PAIR_RULES, pa.large_string()), id_rank=dense * 3 + 1)
    assert_frame_equal(gapped, _by_rank(PAIRS))


def test_each_once():
    assert incidents._each_once(np.array([4, 1, 7]), 8)
    assert not incidents._each_once(np.array([4, 1, 4]), 8)
    assert incidents._each_once(np.array([], dtype="int64"), 1)


def test_a_queue_in_chunks_is_the_queue_merged_by_kind():
    """review_queue() keeps the incident rows as row numbers: whole, and cut in chunks of any size, it is the
    frame candidates() merges by kind; an empty queue is one empty chunk with the columns as text."""
    a, b, why = (np.array(x, dtype="int64") for x in zip(*PAIRS, strict=True))
    pairs = incidents._queue_pairs(pa.array(IDS, pa.large_string()), pa.array(NAMES, pa.large_string()), a, b,
                                   why, pa.array(linking.PAIR_RULES, pa.large_string()))
    other = pd.concat([_rows("victim", [("C2", "C1"), ("C1", "C2")]), _rows("utterance", [("S1", "S3")]),
                       _rows("event", [("E2", "E1")])], ignore_index=True)
    expected = incidents.candidates(other, done=_by_rank(PAIRS))
    q = incidents.review_queue(other, pairs)
    assert len(q) == len(expected) and len(q.before) == 1 and len(q.after) == 2
    assert_frame_equal(q.frame(), expected)
    for size in (1, 2, 3, 5, 100):
        chunks = list(q.chunks(size))
        assert all(len(c) == size for c in chunks[:-1])
        assert_frame_equal(pd.concat(chunks, ignore_index=True), expected)
    meeting = incidents.review_queue(_rows("incident", [("EV-A10", "EV-B2"), ("A", "B")]), pairs)
    assert_frame_equal(meeting.frame(), incidents.candidates(_rows("incident", [("EV-A10", "EV-B2"), ("A", "B")]),
                                                             done=_by_rank(PAIRS)))
    empty = incidents.review_queue(other.iloc[:0], incidents._no_pairs(pairs))
    (only,) = list(empty.chunks(4))
    assert only.empty and list(only.columns) == list(expected.columns) and all(only[c].dtype == "str" for c in only)


def test_the_queue_written_in_chunks_is_the_queue_written_whole(processed, tmp_path, monkeypatch):
    """The clean hands the writer the review queue in chunks (pipeline.QUEUE_CHUNK rows, made as they are
    written): cut small, the shipped data's queue is the same CSV bytes and the same Parquet table, one row group
    per chunk."""
    import pyarrow.parquet as pq

    from analysis.clean import pipeline

    monkeypatch.setattr(pipeline, "QUEUE_CHUNK", 100)
    pipeline.clean(Path(__file__).resolve().parents[2] / "data" / "raw", tmp_path)
    got, whole = tmp_path / "link_candidates", processed / "link_candidates"
    assert got.with_suffix(".csv").read_bytes() == whole.with_suffix(".csv").read_bytes()
    table = pq.read_table(got.with_suffix(".parquet"))
    assert table.equals(pq.read_table(whole.with_suffix(".parquet"))) and table.num_rows > 200
    assert pq.ParquetFile(got.with_suffix(".parquet")).metadata.num_row_groups == -(-table.num_rows // 100)


def test_a_queue_with_a_missing_source_value_is_made_and_validated_whole():
    """_final_queue validates the incident rows by their sources: with a missing value among them (never in a
    clean), the whole frame is made and goes through pandera, which names the missing cell."""
    import pandera.errors

    from analysis.clean import pipeline

    a, b, why = (np.array(x, dtype="int64") for x in zip(*PAIRS, strict=True))
    rules = pa.array(linking.PAIR_RULES, pa.large_string())
    good = incidents._queue_pairs(pa.array(IDS, pa.large_string()), pa.array(NAMES, pa.large_string()), a, b, why,
                                  rules)
    handed: dict = {}
    whole = pipeline._final_queue(incidents.review_queue(_rows("victim", [("C1", "C2")]), good), handed.__setitem__)
    assert isinstance(whole, incidents.ReviewQueue) and callable(handed["link_candidates"])
    assert_frame_equal(pd.concat(handed["link_candidates"](), ignore_index=True), whole.frame())
    bad = incidents.QueuePairs(pa.array([None, *IDS[1:]], pa.large_string()), good.names, good.a, good.b, good.why,
                               rules)
    with pytest.raises(pandera.errors.SchemaErrors):
        pipeline._final_queue(incidents.review_queue(_rows("victim", [("C1", "C2")]), bad), handed.__setitem__)


def test_a_queue_started_early_is_handed_in_the_chunks_of_the_whole_queue(monkeypatch):
    """_EarlyQueue starts writing the incident pairs before the queue's other rows are known: its whole chunks of
    pairs come at once, the rest once the queue is given, and together they are the whole queue's chunks; when
    the clean stops first, the writer is let go with an error instead of waiting for ever."""
    from analysis.clean import pipeline

    a, b, why = (np.array(x, dtype="int64") for x in zip(*PAIRS, strict=True))
    pairs = incidents._queue_pairs(pa.array(IDS, pa.large_string()), pa.array(NAMES, pa.large_string()), a, b, why,
                                   pa.array(linking.PAIR_RULES, pa.large_string()))
    for size in (1, 2, 3, len(pairs), len(pairs) + 1):
        monkeypatch.setattr(pipeline, "QUEUE_CHUNK", size)
        handed: dict = {}
        early = pipeline._EarlyQueue(handed.__setitem__)
        early.start(pairs)
        chunks = handed["link_candidates"]()
        got = [next(chunks) for _ in range(len(pairs) // size)]  # before the rest of the queue is known
        final = pipeline._final_queue(incidents.review_queue(_rows("victim", [("C1", "C2")]), pairs),
                                      handed.__setitem__, early)
        got += list(chunks)
        want = list(final.chunks(size))
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_frame_equal(g, w)
        stopped = pipeline._EarlyQueue(handed.__setitem__)
        stopped.start(pairs)
        chunks = handed["link_candidates"]()
        head = [next(chunks) for _ in range(len(pairs) // size)]
        stopped.close()  # the clean failed before the queue was complete
        with pytest.raises(RuntimeError, match="before the queue was complete"):
            list(chunks)
        assert all(len(c) == size for c in head)
