"""Per-table cleaning: raw string frame -> typed processed frame, rejecting what cannot be kept.

One function per raw table, each a short sequence of the shared steps. Dependencies between tables
(sources before the tables that cite them, events before casualties) are handled by the pipeline. What a
step does to which column comes from the schema registry (bounds, worded counts, foreign keys), so a column
added there is checked here without an edit; only rules between columns of one table are written out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.clean import arrow_lookup, checks, counts, dates, places, rules, times
from analysis.clean.errors import ALIVE, Rejects, kept, live, mark_bad, rows
from analysis.registry.schema import PLACE_MATCH, TABLES, Table


def cast(s: pd.Series, dtype: str) -> pd.Series:
    """One column to its processed dtype (the schema registry's), the one rule for clean and importers."""
    if dtype == "str":  # already text: converting through Python objects changes nothing but costs
        if s.dtype == "str":
            return s
        if s.dtype == "object" and not s.notna().any():  # a column filled later (incident_id): no Python per cell
            return pd.Series(pd.array(pa.nulls(len(s), pa.large_string()), dtype="str"), index=s.index, name=s.name)
        return s.astype("object").where(s.notna(), None).astype("str")
    if dtype == "datetime64[s]":
        return s if s.dtype == "datetime64[s]" else pd.to_datetime(s).astype("datetime64[s]")
    if dtype in ("Int64", "Float64") and s.dtype == "object":
        return pd.to_numeric(s, errors="coerce").astype(dtype)
    return s.astype(dtype)


def finish(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Drop the rejected rows, cast to the processed dtypes and order columns as the schema says: the last
    step of every processed table, the clean's and the importers'."""
    keep = {*table.processed_columns, ALIVE}
    df = kept(df[[c for c in df.columns if c in keep]])  # copy only the columns that are kept
    out = pd.DataFrame(index=df.index)
    for f in table.processed:
        out[f.name] = cast(df[f.name] if f.name in df.columns else pd.Series(pd.NA, index=df.index), f.dtype)
    key = table.key or table.processed[0].name
    if arrow_lookup.is_sorted(out[key]):  # already in order (the review queue's millions of rows): no sort
        return out.reset_index(drop=True)
    return out.sort_values(key, kind="stable").reset_index(drop=True)


def _common(df: pd.DataFrame, table: Table, rejects: Rejects, before_bounds=None) -> pd.DataFrame:
    """The checks every raw table gets; before_bounds(df) is a table's own check that must come before the
    bounds (the gazetteer's swapped coordinates, which would otherwise be rejected as out of range)."""
    df = checks.text_and_ids(df, table, rejects)
    df = checks.required(df, table, rejects)
    df = checks.vocabularies(df, table, rejects)
    df = checks.unique_ids(df, table, rejects)
    df = checks.same_report_twice(df, table, rejects)
    if before_bounds is not None:
        df = before_bounds(df)
    return _bounded(df, table, rejects)


def _bounded(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """Raw columns with bounds in the registry: each cell, where filled (required ones are filled), must be a
    number within them; the column becomes that number."""
    for f in table.raw:
        if f.bounds is None or f.name not in df.columns:
            continue
        lo, hi = f.bounds
        v = pd.to_numeric(df[f.name], errors="coerce")
        gap = v.isna() if f.required else v.isna() & df[f.name].notna()
        df = mark_bad(df, gap, rejects, f.name, f"a number for '{f.name}'", table.key)
        if lo is not None and hi is not None:
            out, expected = (v < lo) | (v > hi), f"a value from {lo} to {hi}"
        elif lo is not None:
            out, expected = v < lo, f"a value of at least {lo}"
        else:
            out, expected = v > hi, f"a value of at most {hi}"
        df = mark_bad(df, out, rejects, f.name, expected, table.key)
        df = df.assign(**{f.name: v})
    return df


def gazetteer(df: pd.DataFrame, rejects: Rejects) -> pd.DataFrame:
    t = TABLES["gazetteer"]
    def swapped(df: pd.DataFrame) -> pd.DataFrame:
        lat = pd.to_numeric(df["latitude"], errors="coerce")
        lon = pd.to_numeric(df["longitude"], errors="coerce")
        return mark_bad(df, rules.swapped(lat, lon), rejects, "latitude", rules.SWAPPED, t.key)

    df = _common(df, t, rejects, before_bounds=swapped)
    df = df.assign(geonames_id=pd.to_numeric(df["geonames_id"], errors="coerce"))
    return finish(df, t)


def sources(df: pd.DataFrame, rejects: Rejects, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """today: the run's date (rules.today(), read when the run started; by default read now)."""
    t = TABLES["sources"]
    today = rules.today() if today is None else today
    df = _common(df, t, rejects)
    df = mark_bad(df, ~df["url"].str.match(r"^https?://[^\s/$.?#].[^\s]*$", na=False), rejects, "url",
                  "an http(s) URL", t.key)
    twice = checks.duplicated_live(df, "url")
    df = mark_bad(df, twice, rejects, "url", "each URL once (this report is already a source)", t.key)
    pub = pd.to_datetime(df["published"], format="%Y-%m-%d", errors="coerce")
    df = mark_bad(df, pub.isna(), rejects, "published", "a date YYYY-MM-DD that exists", t.key)
    df = mark_bad(df, pub > today, rejects, "published", "a publication date not in the future", t.key)
    df = mark_bad(df, pub < dates.WAR_START, rejects, "published",
                  "a publication date on or after 2022-02-24", t.key)
    acc = pd.to_datetime(df["accessed"], format="%Y-%m-%d", errors="coerce")
    df = mark_bad(df, df["accessed"].notna() & acc.isna(), rejects, "accessed", "a date YYYY-MM-DD", t.key)
    df = df.assign(published=pub, accessed=acc,
                   retrospective=df["retrospective"].fillna("no").eq("yes"))
    return finish(df, t)


#: what dates.resolve, places.resolve and counts.resolve add to a row. A partitioned engine
#: (clean/dask_engine.py) computes them per block of rows beforehand; the steps below then use them as given.
DATE_COLS = ["date_start", "date_end", "date_prec", "date_rule", "date_error"]
PLACE_COLS = [*PLACE_MATCH, "place_error"]


def count_cols(prefix: str) -> list[str]:
    return [f"{prefix}_low", f"{prefix}_best", f"{prefix}_high", f"{prefix}_error"]


def _precomputed(df: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """(those columns, df without them) when df already holds every one of `cols`, else (None, df)."""
    if all(c in df.columns for c in cols):
        pre = df[cols]
        pre.attrs = {}  # as a freshly computed frame: nothing for join to compare with df's attrs
        return pre, df.drop(columns=cols)
    return None, df


def _referenced(df: pd.DataFrame, t: Table, kept: dict[str, pd.DataFrame], rejects: Rejects) -> pd.DataFrame:
    """The registry's foreign keys among the raw columns, in its order: each value must name a kept row of
    the table it refers to (kept: those tables, cleaned)."""
    for fk in t.foreign_keys:
        f = next((f for f in t.raw if f.name == fk.column), None)
        if f is None:  # a processed column (incident_id, place_id): the clean fills it, integrity checks it
            continue
        target = TABLES[fk.table]
        df = checks.references(df, fk.column, pd.Index(kept[fk.table][target.key]), target.row_noun, t, rejects,
                               optional=not f.required)
    return df


def _dated(df: pd.DataFrame, t: Table, src: pd.DataFrame, rejects: Rejects) -> pd.DataFrame:
    pre, df = _precomputed(df, DATE_COLS)
    df = df.assign(published=arrow_lookup.map_series(df["source_id"], src.set_index("source_id")["published"]))
    alive = live(df)
    d = dates.resolve(rows(df["date_reported"], alive), rows(df["published"], alive)) if pre is None else pre
    bad = d["date_error"].notna()
    # the reasons of the failing rows only: mark_bad aligns its reasons to every row, a million texts otherwise
    df = mark_bad(df, bad, rejects, "date_reported", d.loc[bad, "date_error"].astype("str"), t.key)
    return df.join(d.drop(columns="date_error"))  # rows out of play get no dates


def _places_of_live(df: pd.DataFrame, gaz: places.Gazetteer) -> pd.DataFrame:
    """places.resolve of the rows in play, on df's index (rows out of play: missing): the distinct places'
    columns taken once into df's rows, not taken to the live rows and then reindexed to all of them."""
    alive = live(df).to_numpy(dtype=bool)
    res, inv = places.resolve_distinct(rows(df[["place_reported", "raion_reported", "oblast_reported"]], alive), gaz)
    at = np.full(len(df), len(res), dtype=np.int64)  # out of play: the missing row appended below
    at[alive] = inv
    p = res.reindex(range(len(res) + 1)).iloc[at]
    p.index = df.index
    return p


def _placed(df: pd.DataFrame, t: Table, gaz: places.Gazetteer, rejects: Rejects) -> pd.DataFrame:
    p, df = _precomputed(df, PLACE_COLS)
    p = _places_of_live(df, gaz) if p is None else p.reindex(df.index)
    col = pd.Series("place_reported", index=df.index).where(df["place_reported"].notna(), "oblast_reported")
    # name the column at fault: an unknown oblast or raion, not the place next to it
    col = col.mask(p["place_error"].str.startswith("unknown oblast", na=False), "oblast_reported")
    col = col.mask(p["place_error"].str.startswith("raion ", na=False), "raion_reported")
    err = p["place_error"].notna()
    reason = p.loc[err, "place_error"].astype("str")  # each failing row's reason, made once for the three columns
    for c in ("place_reported", "raion_reported", "oblast_reported"):
        df = mark_bad(df, err & (col == c), rejects, c, reason, t.key)
    return df.join(p.drop(columns="place_error"))


def _counted(df: pd.DataFrame, t: Table, rejects: Rejects) -> pd.DataFrame:
    """Every worded count of the registry (Table.counted) as <measure>_reported/_low/_best/_high."""
    for raw, prefix in t.counted.items():
        c, df = _precomputed(df, count_cols(prefix))
        c = counts.resolve(rows(df[raw], live(df)), prefix) if c is None else c.copy()
        err = c.pop(f"{prefix}_error")
        failing = err.notna()  # only the failing rows' reasons, as in _dated
        df = mark_bad(df, failing, rejects, raw, err[failing].astype("str"), t.key)
        df = df.join(c).rename(columns={raw: f"{prefix}_reported"} if raw != prefix else {})
        if raw == prefix:
            df[f"{prefix}_reported"] = df[raw]
    return df


def _time_of_day(s: pd.Series) -> pd.DataFrame:
    """hour and time_of_day, worked out once per distinct cell and mapped back to the rows."""
    return arrow_lookup.per_distinct(s, times.frame)


def events(df: pd.DataFrame, src: pd.DataFrame, gaz: places.Gazetteer, rejects: Rejects) -> pd.DataFrame:
    t = TABLES["events"]
    df = _common(df, t, rejects)
    df = _referenced(df, t, {"sources": src}, rejects)
    df = _dated(df, t, src, rejects)
    df = _placed(df, t, gaz, rejects)
    df = df.assign(weapon=df["weapon"].fillna("unknown"), target_type=df["target_type"].fillna("unknown"),
                   confirmed=df["confirmed"].fillna("unknown"), incident_id=pd.NA, link_rule=pd.NA)
    tod = _time_of_day(df["time_reported"].astype("str"))
    # no time given: a part of the day in the date phrase itself ('ввечері 17 серпня', 'last night') counts
    from_date = _time_of_day(df["date_reported"].astype("str"))["time_of_day"]
    tod["time_of_day"] = tod["time_of_day"].where(df["time_reported"].notna(), from_date)
    df = df.join(tod)
    df = mark_bad(df, df["claim_by"].isna(), rejects, "claim_by", "who makes the claim", t.key)
    return finish(df, t)


def casualties(df: pd.DataFrame, src: pd.DataFrame, gaz: places.Gazetteer, ev: pd.DataFrame,
               rejects: Rejects) -> pd.DataFrame:
    t = TABLES["casualties"]
    df = _common(df, t, rejects)
    df = _referenced(df, t, {"sources": src, "events": ev}, rejects)
    df = _dated(df, t, src, rejects)
    df = _placed(df, t, gaz, rejects)
    df = _counted(df, t, rejects)
    none = df["killed_best"].isna() & df["injured_best"].isna()
    df = mark_bad(df, none, rejects, "killed", "a killed or injured figure (both are empty)", t.key)
    over = (df["children_killed_low"] > df["killed_high"]) | (df["children_injured_low"] > df["injured_high"])
    df = mark_bad(df, over.fillna(False), rejects, "children_killed",
                  "children counts no larger than the totals they are part of", t.key)
    df = mark_bad(df, df["claim_by"].isna(), rejects, "claim_by", "who makes the claim", t.key)
    df = df.assign(victim_group=df["victim_group"].fillna("unknown"), confirmed=df["confirmed"].fillna("unknown"),
                   incident_id=pd.NA, link_rule=pd.NA, status="current", superseded_by=pd.NA,
                   disagreement=False)
    return finish(df, t)


def statements(df: pd.DataFrame, src: pd.DataFrame, rejects: Rejects) -> pd.DataFrame:
    t = TABLES["statements"]
    df = _common(df, t, rejects)
    df = _referenced(df, t, {"sources": src}, rejects)
    df = _dated(df, t, src, rejects)
    bad = ~df["country"].str.fullmatch(r"[A-Z]{2}|INT", na=False)
    df = mark_bad(df, bad, rejects, "country", "an ISO 3166 alpha-2 code such as UA, RU, US, or INT", t.key)
    df = df.assign(channel=df["channel"].fillna("unknown"), claim_by=df["claim_by"].fillna("media"),
                   confirmed=df["confirmed"].fillna("unknown"), utterance_id=pd.NA, link_rule=pd.NA)
    return finish(df, t)


def control(df: pd.DataFrame, src: pd.DataFrame, gaz: places.Gazetteer, rejects: Rejects) -> pd.DataFrame:
    t = TABLES["control"]
    df = _common(df, t, rejects)
    df = _referenced(df, t, {"sources": src}, rejects)
    df = _dated(df, t, src, rejects)
    df = _placed(df, t, gaz, rejects)
    df = mark_bad(df, df["claim_by"].isna(), rejects, "claim_by", "who makes the claim", t.key)
    df = df.assign(confirmed=df["confirmed"].fillna("unknown"))
    return finish(df, t)


def tallies(df: pd.DataFrame, src: pd.DataFrame, gaz: places.Gazetteer, rejects: Rejects) -> pd.DataFrame:
    t = TABLES["tallies"]
    df = _common(df, t, rejects)
    df = _referenced(df, t, {"sources": src}, rejects)
    df = _dated(df, t, src, rejects)
    df = _placed(df, t, gaz, rejects)
    df = _counted(df, t, rejects)
    df = mark_bad(df, df["claim_by"].isna(), rejects, "claim_by", "who makes the claim", t.key)
    df = df.assign(confirmed=df["confirmed"].fillna("unknown"))
    return finish(df, t)


LINK_ID = r"LK-\d{4,}"


def links(df: pd.DataFrame, src: pd.DataFrame, incident_ids: pd.Index, statement_ids: pd.Index,
          rejects: Rejects) -> pd.DataFrame:
    """Coder decisions (links.csv): every id must name a kept report, all of one kind (event and casualty ids
    for an incident, statement ids for an utterance), and a merge needs two of them."""
    t = TABLES["links"]
    df = _common(df, t, rejects)
    df = mark_bad(df, ~df["link_id"].str.fullmatch(LINK_ID, na=False), rejects, "link_id",
                  "an id LK- followed by four or more digits", t.key)
    df = _referenced(df, t, {"sources": src}, rejects)
    parts = df["ids"].astype("str").str.split(";").explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    is_inc, is_st = arrow_lookup.isin(parts, incident_ids), arrow_lookup.isin(parts, statement_ids)
    unknown = parts[~(is_inc | is_st)]
    first_unknown = unknown.groupby(level=0).first().reindex(df.index)
    df = mark_bad(df, first_unknown.notna(), rejects, "ids",
                  "ids of kept reports (EV-, CA- or ST- ids): " + first_unknown.fillna("").astype("str")
                  + " is none", t.key)
    kinds = pd.Series(np.where(is_inc, "incident", "utterance"), index=parts.index)
    mixed = kinds.groupby(level=0).nunique().reindex(df.index).fillna(0) > 1
    df = mark_bad(df, mixed, rejects, "ids", "ids of one kind: event and casualty ids, or statement ids", t.key)
    n = parts.groupby(level=0).nunique().reindex(df.index).fillna(0)
    df = mark_bad(df, (df["action"] == "merge") & (n < 2), rejects, "ids", "two or more ids to merge", t.key)
    df = mark_bad(df, n < 1, rejects, "ids", "one or more ids", t.key)
    joined = parts.groupby(level=0).agg(lambda v: ";".join(sorted(set(v)))).reindex(df.index)
    return finish(df.assign(ids=joined, target=kinds.groupby(level=0).first().reindex(df.index)), t)
