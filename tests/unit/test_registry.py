"""The registry (analysis.registry.schema, analysis.registry.vocab) is self-consistent, and the checks built from it
catch what it says: bounds, count triples, foreign keys, vocabulary groups."""

from __future__ import annotations

import pandas as pd
import pandera.errors as pe
import pytest

from analysis.clean import validate
from analysis.notebook.control import CAMPS
from analysis.registry import schema
from analysis.registry.vocab import GROUP_OF, GROUPS, VOCABULARIES, grouped


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_every_word_of_a_grouped_vocabulary_is_in_exactly_one_group(name):
    assert set(GROUP_OF[name]) == set(VOCABULARIES[name]), "a word without a group, or a group for no word"
    assert set(GROUP_OF[name].values()) <= set(GROUPS[name]), "a word in a group that is not declared"
    assert sorted(grouped(name)) == sorted(VOCABULARIES[name])


def test_think_tank_has_a_group_and_camps_are_the_officials():
    assert GROUP_OF["claim_by"]["think_tank"] == "third_party"
    assert CAMPS == {"ua_official": "ua", "regional_admin": "ua", "ru_official": "ru", "ru_proxy_official": "ru"}


@pytest.mark.parametrize("t", schema.PROCESSED_TABLES, ids=lambda t: t.name)
def test_foreign_keys_name_columns_and_keyed_tables(t):
    for fk in t.foreign_keys:
        assert fk.column in t.processed_columns, f"{t.name}.{fk.column} is no processed column"
        target = schema.TABLES[fk.table]
        assert target.key and target.key in target.processed_columns


@pytest.mark.parametrize("t", schema.PROCESSED_TABLES, ids=lambda t: t.name)
def test_counts_are_whole_triples(t):
    for m in t.measures:
        for part in ("low", "best", "high"):
            f = t.field(t.count_column(m, part))
            assert f.dtype == "Int64" and f.bounds == schema.COUNT_RANGE
    for raw, measure in t.counted.items():
        assert measure in t.measures and t.count_column(measure, "reported"), f"{t.name}.{raw}: no processed triple"
    for f in (*t.raw, *t.processed):
        assert f.count is None or f.count[1] in schema.COUNT_PARTS


def test_places_have_the_box_and_the_precision_scales():
    ev = schema.TABLES["events"]
    assert (*ev.field("latitude").bounds, *ev.field("longitude").bounds) == schema.UKRAINE_BOX
    assert ev.field("geo_prec").bounds == (min(schema.GEO_PRECISION), max(schema.GEO_PRECISION))
    assert ev.field("date_prec").bounds == (1, 5)
    assert ev.place_inputs == ["place_reported", "raion_reported", "oblast_reported"] and ev.placed
    assert not schema.TABLES["statements"].placed


def _incidents() -> pd.DataFrame:
    t = schema.TABLES["incidents"]
    row = {"incident_id": "INC-EV-1", "place_id": "gn:1", "event_type": "shelling",
           "date_start": pd.Timestamp("2022-09-01"), "date_end": pd.Timestamp("2022-09-01"), "n_reports": 1,
           "n_sources": 1, "place_ids": "gn:1", "killed_low": 1, "killed_best": 2, "killed_high": 3,
           "disagreement": False}
    df = pd.DataFrame([row]).reindex(columns=t.processed_columns)
    return pd.DataFrame({f.name: df[f.name].astype(f.dtype) for f in t.processed})


def test_a_valid_row_passes():
    validate.validate("incidents", _incidents())


@pytest.mark.parametrize("column, value, says", [
    ("killed_low", -1, "greater_than_or_equal_to(0)"),  # a count's bound, from COUNT_RANGE
    ("killed_best", 5, "killed: low <= best <= high"),  # the triple, from the registry's count parts
    ("n_reports", 0, "greater_than_or_equal_to(1)"),
])
def test_bounds_and_triples_come_from_the_registry(column, value, says):
    df = _incidents()
    df[column] = pd.array([value], dtype="Int64")
    with pytest.raises(pe.SchemaErrors) as err:
        validate.validate("incidents", df)
    assert says in str(err.value)


def test_a_typed_frame_skips_only_the_dtype_checks():
    """validate() leaves pandera's dtype checks out for a frame already in the registry's dtypes: its other
    checks still fail it, and a frame with a wrong dtype is still reported as one."""
    t = schema.TABLES["incidents"]
    assert validate._typed(_incidents(), t)
    bad = _incidents()
    bad["n_reports"] = pd.array([0], dtype="Int64")
    assert validate._typed(bad, t)
    with pytest.raises(pe.SchemaErrors) as err:
        validate.validate("incidents", bad)
    assert "greater_than_or_equal_to(1)" in str(err.value)
    wrong = _incidents()
    wrong["n_reports"] = wrong["n_reports"].astype("float64")
    assert not validate._typed(wrong, t)
    with pytest.raises(pe.SchemaErrors) as err:
        validate.validate("incidents", wrong)
    assert "n_reports" in str(err.value) and "dtype" in str(err.value)


def test_integrity_reports_every_dangling_key_of_the_registry():
    tables = {
        "sources": pd.DataFrame({"source_id": ["src_a"]}),
        "events": pd.DataFrame({"event_id": ["EV-1"], "source_id": ["src_b"], "incident_id": ["INC-EV-1"]}),
        "casualties": pd.DataFrame({"casualty_id": ["CA-1", "CA-2"], "source_id": ["src_a", "src_a"],
                                    "event_id": ["EV-9", None], "incident_id": ["INC-EV-1", "INC-CA-2"],
                                    "superseded_by": [None, "CA-7"]}),
        "incidents": pd.DataFrame({"incident_id": ["INC-EV-1"]}),
    }
    assert validate.integrity(tables) == [
        "events: source_id values not in sources: ['src_b']",
        "casualties: event_id values not in events: ['EV-9']",
        "casualties: incident_id values not in incidents: ['INC-CA-2']",
        "casualties: superseded_by values not in casualties: ['CA-7']",
    ]


class _View:
    """A table that says where its columns come from (as chunked.CodedView does): aliases read one column."""

    def __init__(self, df: pd.DataFrame, alias: dict[str, str], table: str):
        self.df, self.alias, self.table = df, alias, table

    def source(self, column: str) -> tuple[str, str]:
        return self.table, self.alias.get(column, column)

    def __getitem__(self, column: str) -> pd.Series:
        return self.df[self.alias.get(column, column)]


@pytest.mark.parametrize("dangling", [False, True])
def test_integrity_checks_the_same_cells_against_the_same_keys_once(monkeypatch, dangling):
    """An import's casualties name events and incidents by the same event ids, and the incidents' key is the
    events' key: one check of those cells, unless it failed (then each reference reports)."""
    from analysis.clean import arrow_lookup

    events = pd.DataFrame({"event_id": pd.Series(["EV-1", "EV-2", "EV-3"], dtype="str")})
    cas = pd.DataFrame({"casualty_id": ["CA-1", "CA-2"], "superseded_by": pd.Series([None, "CA-1"], dtype="str"),
                        "event_id": pd.Series(["EV-9" if dangling else "EV-2", "EV-3"], dtype="str")})
    tables = {"events": _View(events, {"incident_id": "event_id"}, "events"),
              "casualties": _View(cas, {"incident_id": "event_id"}, "casualties"),
              "incidents": _View(events, {"incident_id": "event_id"}, "events")}
    calls = []
    covers = arrow_lookup.covers
    monkeypatch.setattr(arrow_lookup, "covers", lambda k, s: calls.append(1) or covers(k, s))
    got = validate.integrity(tables)
    if dangling:
        assert got == ["casualties: event_id values not in events: ['EV-9']",
                       "casualties: incident_id values not in incidents: ['EV-9']"] and len(calls) == 4
    else:  # events' incident ids, casualties' event ids (not again as incident ids), casualties' superseded_by
        assert got == [] and len(calls) == 3
    plain = {k: v.df.rename(columns={"event_id": "incident_id"}) if k == "incidents" else
             v.df.assign(incident_id=v.df["event_id"]) for k, v in tables.items()}
    assert validate.integrity(plain) == got  # frames that do not say: every reference checked, the same result


def _shipped(processed, name: str) -> pd.DataFrame:
    """A processed table of the shipped data in the registry's dtypes (as the clean validates it)."""
    from analysis.clean import tables

    df = pd.read_parquet(processed / f"{name}.parquet")
    return pd.DataFrame({f.name: tables.cast(df[f.name], f.dtype) for f in schema.TABLES[name].processed})


def _broken(df: pd.DataFrame, t: schema.Table) -> list[tuple[str, pd.DataFrame]]:
    """Copies of df (at least two rows) each breaking one rule of the registry in one cell."""
    out = []
    for f in t.processed:
        s = df[f.name]
        if f.required and s.notna().iloc[0]:
            out.append((f"{f.name} missing", df.assign(**{f.name: s.where(s.index != 0)})))
        if f.unique and len(df) > 1:
            out.append((f"{f.name} twice", df.assign(**{f.name: s.where(s.index != 1, s.iloc[0])})))
        if f.vocab and s.dtype == "str":
            out.append((f"{f.name} not a word", df.assign(**{f.name: s.where(s.index != 0, "no-such-word")})))
        if f.bounds and pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            lo, hi = f.bounds
            v = lo - 1 if lo is not None else hi + 1
            out.append((f"{f.name} out of bounds", df.assign(**{f.name: s.where(s.index != 0, v)})))
    if {"date_start", "date_end"} <= set(df.columns) and df["date_start"].notna().iloc[0]:
        late = df["date_start"].where(df.index != 0, df["date_end"].iloc[0] + pd.Timedelta(days=1))
        out.append(("date_start after date_end", df.assign(date_start=late)))
    for m in t.measures:
        low, best = t.count_column(m, "low"), t.count_column(m, "best")
        at = df.index[df[best].notna()]
        if len(at):
            above = df[low].where(df.index != at[0], df[best].iloc[at[0]] + 1)
            out.append((f"{m} low above best", df.assign(**{low: above})))
    return out


@pytest.mark.parametrize("name", ["events", "casualties", "incidents", "sources", "statements", "coverage"])
def test_the_direct_checks_pass_only_what_pandera_passes(processed, name):
    """validate() skips pandera for a typed frame that _passes() clears: a shipped table passes both ways, and
    each rule broken in one cell is never cleared by _passes (pandera then reports it)."""
    t = schema.TABLES[name]
    df = _shipped(processed, name)
    assert validate._typed(df, t) and validate._passes(df, t)
    validate.schema_for(t).validate(df, lazy=True)
    broken = _broken(df, t)
    assert broken
    for what, bad in broken:
        assert not validate._passes(bad, t), what
        with pytest.raises(pe.SchemaErrors):
            validate.validate(name, bad)


@pytest.mark.parametrize("name", ["events", "casualties", "incidents"])
def test_the_arrow_checks_pass_only_what_pandera_passes(processed, name):
    """validate.passes_arrow (an import's chunks built in Arrow) clears a shipped table in its Arrow types and
    never a copy breaking one rule in one cell (the chunk then goes to pandera, which reports it)."""
    from analysis.clean.write import arrow_table

    t = schema.TABLES[name]
    df = _shipped(processed, name)
    assert validate.passes_arrow(name, arrow_table(df))
    for what, bad in _broken(df, t):
        assert not validate.passes_arrow(name, arrow_table(bad)), what
    vocab = [f.name for f in t.processed if f.vocab]
    assert validate.passes_arrow(name, arrow_table(df), known=vocab)


@pytest.mark.parametrize("values, keys", [
    (["a", "b", "c"], ["a", "b", "c"]),  # the keys themselves, in order (one comparison)
    (["c", "a", "a"], ["a", "b", "c"]),
    (["a", None, "d"], ["a", "b", "c"]),
    (["d", "b"], ["a", "b", "c"]),
    ([None, None], ["a"]),
    (["a", "b", "x"], ["a", "b", "c"]),  # as long as the keys, not equal to them
    ([], ["a"]),
])
@pytest.mark.parametrize("dtype", ["str", "object"])
def test_covers_is_isin_of_the_values_given(values, keys, dtype):
    from analysis.clean import arrow_lookup

    s = pd.Series(values, dtype=dtype)
    want = bool(s.dropna().isin(keys).all())
    assert arrow_lookup.covers(pd.Series(keys, dtype=dtype), s) is want


@pytest.mark.parametrize("name", sorted(schema.TABLES))
def test_the_direct_checks_cover_every_check_pandera_is_given(name):
    """validate._passes skips pandera by working out the same rules itself: required, unique, vocabulary,
    bounds, date order and count order. A check added to schema_for that it does not know would be skipped on
    every valid-looking frame, so the schema must hold exactly those checks: adding another fails here until
    _passes learns it."""
    t = schema.TABLES[name]
    s = validate.schema_for(t, typed=True)
    for f in t.processed:
        col = s.columns[f.name]
        assert (col.nullable, col.unique) == (not f.required, f.unique), f.name
        assert len(col.checks) == bool(f.vocab) + bool(f.bounds), f.name
    dated = {"date_start", "date_end"} <= {f.name for f in t.processed}
    assert len(s.checks) == dated + len(t.measures)


@pytest.mark.parametrize("cells", [["a", "a", "c"], ["a", "x"], ["b", "c", "c", "d"], ["0"], ["d", "e"], [],
                                   ["a", None], ["b", "a"], ["a", "z", "z"], ["c", "d"]])
def test_covers_of_sorted_cells_by_sorted_keys_is_pandas_isin(cells):
    """Sorted cells against sorted distinct keys are checked by counting the keys found among the cells (the
    shorter column hashed); anything else by the hash of the keys: both as pandas' isin."""
    from analysis.clean import arrow_lookup

    keys = pd.Series(["a", "b", "c", "d", "f"], dtype="str")
    s = pd.Series(cells, dtype="str")
    assert arrow_lookup.covers(keys, s) == bool(s.dropna().isin(keys).all())
    unsorted = pd.Series(["b", "a", "c", "d", "f"], dtype="str")
    assert arrow_lookup.covers(unsorted, s) == bool(s.dropna().isin(keys).all())
