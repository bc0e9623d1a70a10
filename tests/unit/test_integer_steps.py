"""The clean's steps worked out on integer codes give what the pandas groupings they replace give: inline
frames with the edge cases (no rows, one row per group, missing keys and values, text that sorts unlike its
numbers, object and Arrow text)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analysis.clean import arrow_lookup, incidents, reconcile

TEXT = ["b", None, "a10", "a9", "b", "É", "a10", None]


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_sort_codes_sort_as_pandas_sorts_with_missing_last(dtype):
    s = pd.Series(TEXT, dtype=dtype)
    codes = arrow_lookup.sort_codes(s)
    assert (np.argsort(codes, kind="stable") == s.sort_values(kind="stable", na_position="last").index).all()
    assert codes[0] == codes[4] and codes[1] == codes[7] and codes[1] > codes.max(initial=0) - 1
    assert len(arrow_lookup.sort_codes(pd.Series([], dtype=dtype))) == 0


def test_sort_codes_of_numbers_and_dates():
    n = pd.Series([3, None, 1, 3], dtype="Int64")
    assert arrow_lookup.sort_codes(n).tolist() == [1, 2, 0, 1]
    d = pd.Series(pd.to_datetime(["2022-03-01", None, "2022-02-28"]))
    assert arrow_lookup.sort_codes(d).tolist() == [1, 2, 0]


@pytest.mark.parametrize("values", [["a", "b", "b", "c"], ["b", "a"], ["a", None, "b"], [], ["x"], ["é", "e"],
                                    ["e", "é"], ["", " ", "a"], ["a9", "a10"], ["a10", "a9"]])
@pytest.mark.parametrize("dtype", ["str", "object"])
def test_is_sorted_is_is_monotonic_increasing(values, dtype):
    s = pd.Series(values, dtype=dtype)
    assert arrow_lookup.is_sorted(s) == s.is_monotonic_increasing
    two = pd.concat([s, s], ignore_index=True)  # two Arrow chunks: compared across the seam
    assert arrow_lookup.is_sorted(two) == two.is_monotonic_increasing


def test_lex_order_is_lexsort_packed_or_not():
    rng = np.random.default_rng(0)
    keys = [rng.integers(0, 5, 200), rng.integers(0, 3, 200), rng.integers(0, 7, 200)]
    assert (arrow_lookup.lex_order(*keys) == np.lexsort(keys[::-1])).all()
    big = [rng.integers(0, 2 ** 40, 50), rng.integers(0, 2 ** 40, 50)]  # too wide to pack: np.lexsort
    assert (arrow_lookup.lex_order(*big) == np.lexsort(big[::-1])).all()
    assert len(arrow_lookup.lex_order(np.empty(0, dtype=np.int64))) == 0
    # packed into one integer but too wide to hold the row too: sorted unstably when no key repeats, else stably
    unique = [rng.permutation(2 ** 20)[:300] * 2 ** 33, rng.permutation(300)]
    assert (arrow_lookup.lex_order(*unique) == np.lexsort(unique[::-1])).all()
    ties = [rng.integers(0, 3, 300) * 2 ** 54, rng.integers(0, 2, 300)]
    assert (arrow_lookup.lex_order(*ties) == np.lexsort(ties[::-1])).all()


def test_sorted_codes_number_incidents_in_id_order():
    ids = pd.Series(["INC-b", "INC-a10", "INC-a9", "INC-b"], dtype="str")
    code, uniq = incidents._sorted_codes(ids)
    assert code.tolist() == [2, 0, 1, 2] and uniq.to_pylist() == ["INC-a10", "INC-a9", "INC-b"]


def test_joined_ids_per_group_sorted_as_text_and_empty_for_none():
    ids = pd.Series(["EV-A9", "EV-A10", "EV-B1", "EV-A1"], dtype="str")
    got = incidents._joined_ids(ids, np.array([0, 0, 2, 0]), 4).to_pylist()
    assert got == ["EV-A1;EV-A10;EV-A9", "", "EV-B1", ""]
    assert incidents._joined_ids(ids.iloc[:0], np.empty(0, dtype=np.int64), 2).to_pylist() == ["", ""]


def test_distinct_per_group_is_nunique():
    v = pd.Series(["s1", "s2", None, "s1", "s3", None], dtype="str")
    code = np.array([0, 0, 0, 0, 2, 3])
    want = v.groupby(code).nunique().reindex(range(4), fill_value=0).to_numpy()
    assert incidents._distinct_per_group(v, code, 4).tolist() == want.tolist() == [2, 0, 1, 0]


@pytest.mark.parametrize("how", ["min", "max"])
def test_per_group_of_dates_is_groupby_min_max_skipping_nat(how):
    d = pd.Series(pd.to_datetime(["2022-03-02", None, "2022-03-01", None, "2022-05-01"])).astype("datetime64[s]")
    code = np.array([0, 0, 0, 2, 3])
    want = getattr(d.groupby(code), how)().reindex(range(5)).to_numpy()
    got = incidents._per_group(d.to_numpy(), code, 5, how)
    assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)


def test_per_group_of_dates_as_objects_is_pandas_grouping():
    """Dates as objects (events' dates concatenated with an empty frame of casualty reports): pandas' grouping."""
    d = pd.Series([pd.Timestamp("2022-03-02"), pd.NaT, pd.Timestamp("2022-03-01")], dtype=object)
    code = np.array([0, 0, 2])
    got = incidents._per_group(d.to_numpy(), code, 3, "min")
    assert got[0] == pd.Timestamp("2022-03-02") and pd.isna(got[1]) and got[2] == pd.Timestamp("2022-03-01")


def test_sharpest_is_transform_min_with_missing_never_sharpest():
    prec = pd.Series([2, 1, 1, None, None, 3, None], dtype="Int64")
    code = np.array([0, 0, 0, 0, 1, 2, 2])
    want = (prec == pd.Series(prec).groupby(code).transform("min")).fillna(False).to_numpy(dtype=bool)
    got = incidents._sharpest(prec.to_numpy(dtype="float64", na_value=np.nan), code, 3)
    assert got.tolist() == want.tolist() == [False, True, True, False, False, True, False]


def test_first_per_code_is_first_row_of_each_group_sorted_by_keys():
    code = np.array([1, 0, 1, 0, 2, 1])
    key = np.array([5, 3, 2, 3, 0, 2])
    frame = pd.DataFrame({"code": code, "key": key}).sort_values(["code", "key"], kind="stable")
    want = frame.groupby("code").head(1).index.to_numpy()
    assert incidents._first_per_code(code, [key]).tolist() == want.tolist() == [1, 2, 4]


def test_first_of_pairs_is_drop_duplicates():
    v = pd.Series(["p1", None, "p1", "p2", None, "p1"], dtype="str")
    code = np.array([0, 0, 0, 0, 0, 1])
    want = pd.DataFrame({"c": code, "v": v}).drop_duplicates().index.to_numpy()
    assert incidents._first_of_pairs(code, v).tolist() == want.tolist()


@pytest.mark.parametrize("ev, ca", [(["EV-1", "EV-2"], ["CA-1", "CA-2"]), (["EV-3", "EV-1"], ["CA-1"]),
                                    (["EV-1", "EV-1"], ["CA-1"]), (["A-1"], ["Z-1", "B-2"]), (["EV-1"], [])])
def test_id_ranks_are_dense_ranks_of_the_ids(ev, ca):
    e, c = pd.Series(ev, dtype="str"), pd.Series(ca, dtype="str")
    rid = pd.concat([e, c], ignore_index=True)
    want = incidents._dense(arrow_lookup.arrow(rid).combine_chunks())
    assert incidents._id_ranks(e, c, rid).tolist() == want.tolist()


def test_joined_per_label_is_groupby_join():
    s = pd.Series(["x", "y", "z", "w"], index=pd.Index(["INC-2", "INC-10", "INC-2", None]), name="what")
    want = s.groupby(level=0).agg("; ".join)
    assert_series_equal(reconcile._joined_per_label(s), want)


def _cas(rows: list[tuple]) -> pd.DataFrame:
    """(incident_id, casualty_id, source_id, claimant, killed_best, injured_best) rows as current new figures"""
    df = pd.DataFrame(rows, columns=["incident_id", "casualty_id", "source_id", "claimant", "killed_best",
                                     "injured_best"]).astype({"incident_id": "str", "casualty_id": "str",
                                                              "source_id": "str", "claimant": "str"})
    df["claim_by"], df["published"] = "regional_admin", pd.Timestamp("2022-08-18")
    df["figure_type"], df["status"] = "new", "current"
    for m in reconcile.MEASURES:
        df[f"{m}_best"] = df[f"{m}_best"].astype("Int64")
        df[f"{m}_low"], df[f"{m}_high"] = df[f"{m}_best"], df[f"{m}_best"]
    return df


def _disagreement_by_text(cur: pd.DataFrame) -> pd.Series:
    """The rule as it was written on text: each claim's figures as 'killed/injured', counted per incident."""
    cl = reconcile.claims(cur, ("killed", "injured"))
    sig = cl["killed_best"].fillna(-1).astype("str") + "/" + cl["injured_best"].fillna(-1).astype("str")
    n = sig.groupby(cl["incident_id"]).nunique()
    return cur["incident_id"].map(n).fillna(1).gt(1).astype("boolean")


@pytest.mark.parametrize("rows", [
    [],
    [("INC-1", "CA-1", "s1", "Governor", 1, None)],
    [("INC-1", "CA-1", "s1", "Governor", 1, None), ("INC-1", "CA-2", "s2", "Police", 1, None),
     ("INC-2", "CA-3", "s3", "Governor", 2, 4), ("INC-2", "CA-4", "s4", "Police", 2, None),
     ("INC-3", "CA-5", "s5", None, None, 3), ("INC-3", "CA-6", "s5", None, 0, 3)],
])
def test_disagreement_counts_distinct_figures_as_the_text_rule_did(rows):
    cur = _cas(rows)
    got, want = reconcile.disagreement(cur), _disagreement_by_text(cur)
    assert got.tolist() == want.tolist() and got.dtype == want.dtype


def _one_event() -> tuple[pd.DataFrame, pd.DataFrame]:
    """One event, its own incident, and no casualty rows."""
    day = pd.to_datetime(["2022-08-18"]).astype("datetime64[s]")
    ev = pd.DataFrame({"incident_id": pd.Series(["INC-EV-1"], dtype="str"),
                       "event_id": pd.Series(["EV-1"], dtype="str"), "place_id": pd.Series(["p1"], dtype="str"),
                       "geo_prec": pd.array([1], dtype="Int64"), "event_type": pd.Series(["shelling"], dtype="str"),
                       "weapon": pd.Series(["artillery"], dtype="str"), "date_start": day, "date_end": day,
                       "date_prec": pd.array([1], dtype="Int64"), "source_id": pd.Series(["s1"], dtype="str"),
                       "link_rule": pd.Series(["first report"], dtype="str")})
    text = {c: pd.Series([], dtype="str") for c in ("place_id", "cause", "link_rule", "sex", "ages", "oblast",
                                                     "raion")}
    cas = _cas([]).assign(**text, geo_prec=pd.array([], dtype="Int64"), date_start=day[:0], date_end=day[:0],
                          date_prec=pd.array([], dtype="Int64"), disagreement=pd.array([], dtype="boolean"))
    return ev, cas


def test_incidents_table_of_one_event():
    ev, cas = _one_event()
    got = incidents.incidents_table(ev, cas)
    assert got["incident_id"].tolist() == ["INC-EV-1"] and got["event_ids"].tolist() == ["EV-1"]
    assert got["place_ids"].tolist() == ["p1"] and got["n_reports"].tolist() == [1]
    assert got["n_sources"].tolist() == [1] and got["casualty_ids"].isna().all()
    assert not got["disagreement"].any() and got["killed_best"].isna().all()
    assert len(incidents.incidents_table(ev.iloc[:0], cas)) == 0


@pytest.mark.parametrize("groups", [[0, 3, 4, 9], [2], [5, 7, 10**9], [-3, 0, 8]])
def test_positions_in_is_searchsorted(groups):
    groups = np.array(groups, dtype=np.int64)
    label = np.random.default_rng(0).choice(groups, 50)
    assert incidents._positions_in(groups, label).tolist() == np.searchsorted(groups, label).tolist()


def test_incident_names_with_the_callers_ranks_are_those_of_the_text():
    rid = pd.Series(["EV-B2", "EV-A10", "EV-A9", "CA-A1", "CA-A0"], dtype="str")
    label = np.array([1, 1, 0, 0, 2])
    prec, start = pd.Series([1, 1, 2, 1, 1], dtype="Int64"), pd.Series(pd.to_datetime(["2022-08-17"] * 5))
    want = incidents._incident_names(label, rid, prec, start, 3)
    got = incidents._incident_names(label, rid, prec, start, 3, incidents._id_ranks(rid[:3], rid[3:], rid))
    assert got.to_pylist() == want.to_pylist() == ["INC-EV-A10", "INC-EV-A10", "INC-EV-A9", "INC-EV-A9", "INC-CA-A0"]


def test_pairs_in_runs_is_the_self_merge_on_the_group():
    group = np.array([0, 0, 0, 1, 2, 2, 3, 3, 3, 3])
    rows = np.array([0, 2, 3, 4, 5, 7, 8])
    i, j = reconcile._pairs_in_runs(rows, group)
    d = pd.DataFrame({"g": group[rows], "row": rows})
    want = d.merge(d, on="g", suffixes=("", "_by")).sort_values(["row", "row_by"])
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == list(zip(want["row"], want["row_by"], strict=True))
    assert all(len(x) == 0 for x in reconcile._pairs_in_runs(np.array([], dtype=int), group))


def test_last_of_source_is_the_groupby_max_of_positions():
    group = np.array([0, 0, 0, 0, 1, 1, 1])
    src = np.array([2, 0, 2, -1, 0, 0, 1])
    want = pd.Series(np.arange(7)).groupby([group, pd.Series(src).replace(-1, np.nan)]).transform("max")
    assert reconcile._last_of_source(group, src).tolist() == want.fillna(-1).astype(int).tolist()


def test_who_per_distinct_claimant_is_who_row_by_row():
    cas = pd.DataFrame({
        "claim_by": pd.Series(["media", "media", "official", "official", "media", None, "military", "media"],
                              dtype="str"),
        "claimant": pd.Series([None, "Oleh Syniehubov", "Олег Синєгубов", None, None, "Ihor Terekhov", ";", None],
                              dtype="str"),
        "source_id": pd.Series(["s1", "s2", "s3", "s4", "s5", "s6", "s7", None], dtype="str")})
    got = reconcile.who(cas)
    assert_series_equal(got, reconcile._who_rows(cas))
    assert got[0] == "media|s1" and got[4] == "media|s5" and got[1] == got.iloc[2].replace("official", "media")


def test_first_of_codes_is_unique_return_index():
    from analysis.clean.arrow_lookup import first_of_codes
    codes = arrow_lookup.group_codes(pd.Series(["a", "b", "a", None, "c", None, "b"], dtype="str"))
    assert first_of_codes(codes).tolist() == np.unique(codes, return_index=True)[1].tolist() == [0, 1, 3, 4]
    assert first_of_codes(np.array([], dtype=np.int64)).tolist() == []


def test_override_positions_are_found_from_the_reports_side():
    from analysis.clean import overrides
    rid = pd.Series(["EV-1", "EV-2", "CA-1", "EV-3"], dtype="str")
    got = overrides._positions(rid, pd.Series(["EV-3;EV-1", "CA-1;CA-9", "EV-3"], dtype="str"))
    assert got == {"EV-3": 3, "EV-1": 0, "CA-1": 2}
    assert overrides._positions(rid.iloc[:0], pd.Series(["EV-1"], dtype="str")) == {}
    label, moved = overrides.apply(np.array([0, 0, 1, 2]), rid, pd.DataFrame(
        {"link_id": ["LK-2", "LK-1"], "action": ["merge", "split"], "ids": ["EV-3;CA-1", "EV-2"]}))
    assert label.tolist() == [0, 3, 1, 1] and moved == {1: "LK-1", 3: "LK-2", 2: "LK-2"}


@pytest.mark.parametrize("seed", range(25))
def test_disagreement_on_codes_is_the_text_rule_on_random_claims(seed):
    """Random claims: incidents, sources and claimants repeating (one source giving several rows: one claim),
    figures missing, a key missing now and then (a claim without its key is left out, as groupby drops it)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))

    def pick(values, missing=0.0):
        return [None if rng.random() < missing else values[i] for i in rng.integers(0, len(values), n)]

    rows = list(zip(pick(["INC-1", "INC-2", "INC-3", "INC-4"], 0.05), [f"CA-{i}" for i in range(n)],
                    pick(["s1", "s2", "s3", "s4", "s5"], 0.05), pick(["Governor", "Police", "Mayor"], 0.3),
                    pick([0, 1, 2, 3], 0.3), pick([0, 1, 5], 0.3), strict=True))
    cur = _cas(rows)
    cur["claim_by"] = pd.Series(pick(["regional_admin", "media", "police"]), dtype="str")
    got, want = reconcile.disagreement(cur), _disagreement_by_text(cur)
    assert got.tolist() == want.tolist() and got.dtype == want.dtype
    # the same from order()'s integer keys, the incidents hashed or numbered by the caller, of these rows or more
    numbered = arrow_lookup.sort_codes(cur["incident_id"])
    numbered = np.where(cur["incident_id"].isna().to_numpy(), -1, numbered)
    for ordered in (reconcile.order(cur), reconcile.order(cur, numbered)):
        assert reconcile.disagreement(cur, ordered).tolist() == want.tolist()
        part = cur.iloc[::2]
        assert reconcile.disagreement(part, ordered).tolist() == reconcile.disagreement(part).tolist()


@pytest.mark.parametrize("seed", range(10))
def test_supersession_with_the_callers_incident_numbers_is_the_same(seed):
    """order() with the incidents numbered by the caller (as the clean's linking numbers them) reads the rows
    in the same order within each claimant's group, so supersession and what stays in force are the same."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 30))
    rows = list(zip([f"INC-{i}" for i in rng.integers(0, 4, n)], [f"CA-{i:02d}" for i in rng.permutation(n)],
                    [f"s{i}" for i in rng.integers(0, 4, n)],
                    [["Governor", "Police"][i] for i in rng.integers(0, 2, n)],
                    [None if x < 0 else int(x) for x in rng.integers(-1, 4, n)],
                    [None if x < 0 else int(x) for x in rng.integers(-1, 4, n)], strict=True))
    cas = _cas(rows)
    cas["published"] = pd.to_datetime("2022-08-18") + pd.to_timedelta(rng.integers(0, 3, n), unit="D")
    numbered = arrow_lookup.sort_codes(cas["incident_id"])
    a, b = reconcile.order(cas), reconcile.order(cas, numbered)
    assert_frame_equal(reconcile.supersede(cas, a), reconcile.supersede(cas, b))
    for x in (a, b):  # each group's rows together, by publication then id
        c, group = x[0], x[2].to_numpy()
        runs = int(np.count_nonzero(np.r_[True, group[1:] != group[:-1]])) if n else 0
        assert len(np.unique(group)) == runs  # no group in two places
        key = list(zip(c["published"], c["casualty_id"], strict=True))
        assert all(key[i] <= key[i + 1] for i in range(len(key) - 1) if group[i] == group[i + 1])
    with_status = cas.assign(**reconcile.supersede(cas, a))
    assert_frame_equal(reconcile.in_force(with_status, a), reconcile.in_force(with_status, b))


@pytest.mark.parametrize("ids", [[], ["EV-1"], ["EV-1", "EV-2", "EV-3"], ["EV-1", "EV-3", "CA-1", "CA-2"],
                                 ["EV-1", "EV-3", "CA-1", "EV-2"], ["EV-2", "EV-1"], ["EV-1", "EV-1", "EV-2"],
                                 ["EV-1", "CA-1", "CA-1"], ["B", "C", "A", "B"], ["EV-1", None, "CA-1"]])
def test_text_ranks_order_as_the_texts_do(ids):
    import pyarrow as pa
    import pyarrow.compute as pc

    from analysis.clean import linking
    arr = pa.array(ids, type=pa.large_string())
    want = np.asarray(pc.rank(arr, sort_keys="ascending", tiebreaker="dense"))
    assert linking._text_ranks(arr).tolist() == want.tolist()


def test_linking_codes_are_the_incident_ids_ranks(processed):
    """link_reports' IncidentCodes are _sorted_codes of the incident ids it gives (the shipped data, linked
    again from its processed tables), and incidents_table given them is the table worked out from the text."""
    from analysis.notebook.load import load

    t = load(processed)
    ev, cas, links = t["events"], t["casualties"], t["links"]
    got = incidents.link_reports(ev, cas, links[links["target"] == "incident"])
    code, ids = incidents._sorted_codes(pd.concat([got.ev_incident, got.cas_incident], ignore_index=True))
    assert (got.codes.code == code).all() and got.codes.ids.equals(ids) and len(ids) > 100
    ev, cas = ev.assign(incident_id=got.ev_incident), cas.assign(incident_id=got.cas_incident)
    assert_frame_equal(incidents.incidents_table(ev, cas, codes=got.codes), incidents.incidents_table(ev, cas))


def test_linking_gives_the_current_figures_incidents_table_reads(processed):
    """link_all's `current` (the new figures among those still standing, from the rows it reconciles for the
    disagreement flags) is current_new of the same casualty rows, which incidents_table would work out again."""
    from analysis.clean import pipeline
    from analysis.notebook.load import load

    t = load(processed)
    ev, cas, st = (t[n].copy() for n in ("events", "casualties", "statements"))
    linked = pipeline.link_all(ev, cas, st, t["links"])
    want = reconcile.current_new(cas[list(reconcile.COLUMNS)], linked.ordered)
    assert_frame_equal(linked.current, want)
    assert len(want) and (want["figure_type"] == "new").all()


def test_joint_codes_number_combinations_in_order_of_first_appearance():
    """arrow_lookup.joint_codes is the first-appearance numbering of the rows' code tuples (-1 a value of its
    own), also when the codes' spans together pass 2**62 and the fold is numbered afresh on the way."""
    rng = np.random.default_rng(0)
    small = [rng.integers(-1, 4, 500) for _ in range(3)]
    wide = [np.where(rng.random(500) < 0.5, rng.integers(0, 3, 500), 2**40 + rng.integers(0, 2, 500))
            for _ in range(3)]  # spans of 2**40: the second fold would not fit
    for codes in (small, wide):
        expected = pd.factorize(pd.Series(list(zip(*(c.tolist() for c in codes), strict=True))))[0]
        assert arrow_lookup.joint_codes(*codes).tolist() == expected.tolist()
    assert arrow_lookup.joint_codes(np.empty(0, dtype=np.int64)).tolist() == []
