"""The coverage table: per day, oblast and batch, which collection design produced the rows (issue 18).

Rows are counted on the day their report was published (reporting effort, not event dates). Three designs:

- ``continuous_daily_summary``: Kharkiv oblast, 15 Aug – 15 Nov 2022, a day on which the regional
  administration's daily summary was coded (batch K codes one every day; where an earlier batch had already
  coded that day's summary, its rows count for the day);
- ``chosen_strike_days``: batch D, strikes outside Kharkiv oblast picked for coding;
- ``single_reports``: every other batch/day/oblast, reports found one by one.

A *daily summary* is a batch-K source, or a source with a tallies row, or a report that credits an official
(regional administration, police, prosecutor, General Staff) and dates its rows by a past-day phrase ("за минулу
добу", "over the past day", "le dernier jour"): an outlet that retells the summary's list in its own words is
credited with the list, the official with the quoted part, and the report is the summary still. For a summary
day the table also counts the settlements coded from the summary (its official rows and its rows dated by the
past-day phrase) and compares them with the summary's own tally of settlements shelled.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analysis.clean import arrow_lookup
from analysis.clean.tables import finish
from analysis.registry.schema import TABLES

CONTINUOUS_OBLAST = "Kharkiv"
CONTINUOUS_START, CONTINUOUS_END = pd.Timestamp("2022-08-15"), pd.Timestamp("2022-11-15")
CONTINUOUS_BATCH = "K"
BATCH_DESIGN = {CONTINUOUS_BATCH: "continuous_daily_summary", "D": "chosen_strike_days"}
PAST_DAY = (r"доб|сутк|past day|past 24|last 24|during the day|over the day|last day|yesterday|вчора|учора|вчера|"
            r"минулої ночі|минувш|прошедш|"
            # the past-day phrases of other languages that dates.RELATIVE reads as the past day
            r"dernier jour|letzten 24|vergangenen tag|ultime 24")
OFFICIAL = ["regional_admin", "ua_official"]
ROW_TABLES = {"events": "event_id", "casualties": "casualty_id", "tallies": "tally_id"}


BATCH = re.compile(r"^[A-Z]+-([A-Z]+)\d")  # EV-K0007: batch K; ACLED-UKR1001: UKR


def batch(ids: pd.Series) -> pd.Series:
    """Each id's batch letters (BATCH's group), '?' where it has none: ids.str.extract(BATCH).fillna('?'),
    worked out in Arrow (str.extract ran Python's regex once per id: seconds on a million rows). Arrow's RE2
    reads \\d as ASCII digits only, Python's re as any Unicode decimal digit: the few ids whose letters are
    followed by a non-ASCII character are matched by BATCH itself, so the answer is the same."""
    arr = arrow_lookup.arrow(ids)
    out = pd.Series(pd.array(_letters(arr), dtype="str"), index=ids.index)
    other = pc.match_substring_regex(arr, r"^[A-Z]+-[A-Z]+[^\x00-\x7f]").to_numpy(zero_copy_only=False)
    other = np.asarray(pd.array(other, dtype="boolean").fillna(False), dtype=bool)
    if other.any():
        out[other] = ids[other].map(lambda i: m.group(1) if (m := BATCH.match(i)) else pd.NA)
    return out.fillna("?")


def _letters(arr):
    """BATCH's group of each id in Arrow (RE2: \\d there is [0-9]), null where an id has none."""
    return pc.struct_field(pc.extract_regex(arr, r"^[A-Z]+-(?P<b>[A-Z]+)[0-9]"), [0])


def _codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each cell's code and the distinct values (-1: missing). A coded column (an import's categorical) gives
    its own codes, so no text is made for the cells of every row; a text or date column is factorized."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(), pd.Index(s.cat.categories)
    codes, uniques = pd.factorize(s)
    return codes, pd.Index(uniques)


def _text(s: pd.Series) -> pd.Series:
    """A column as the processed tables hold it (text, index 0..n-1): a coded column decoded. Called on the few
    rows coverage reads as text only."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = pd.Series(s.cat.categories.array.take(s.cat.codes.to_numpy(), allow_fill=True))
    return s.astype("str").reset_index(drop=True)


class Keys(NamedTuple):
    """Each row's report day, oblast and batch as codes into their distinct values (-1: missing)."""

    day: np.ndarray
    oblast: np.ndarray
    batch: np.ndarray
    days: pd.Index
    oblasts: pd.Index
    batches: pd.Index


def _keys(df: pd.DataFrame, key: str) -> Keys:
    """The Keys of one table's rows: the day from the distinct publication times (normalized once each), the
    batch letters of the ids (batch())."""
    pub, times = _codes(df["published"])
    day_of, days = pd.factorize(pd.DatetimeIndex(times).normalize())
    day = np.where(pub < 0, -1, day_of[np.maximum(pub, 0)]) if len(day_of) else np.full(len(pub), -1)
    obl, oblasts = _codes(df["oblast"])
    bat, batches = _batches(df[key].astype("str"))
    return Keys(day, obl, bat, pd.Index(days), pd.Index(oblasts.astype("str")), batches)


def _batches(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """batch(ids) as codes and their distinct letters, encoded in Arrow (factorizing batch()'s text of every
    row took twice as long). Ids that are all ASCII need no check for the non-ASCII digits batch() handles;
    any other column goes through batch() itself."""
    arr = arrow_lookup.arrow(ids)
    if not pc.all(pc.string_is_ascii(arr)).as_py():  # an empty column too (all() of nothing is null)
        codes, uniques = pd.factorize(batch(ids))
        return codes, pd.Index(uniques)
    enc = pc.dictionary_encode(_letters(arr), null_encoding="encode").combine_chunks()
    letters = ["?" if b is None else b for b in enc.dictionary.to_pylist()]
    return enc.indices.to_numpy(zero_copy_only=False), pd.Index(letters, dtype="str")


def _day_dtype(s: pd.Series):
    """The dtype of a table's report days: its publication times' own (the categories' when coded)."""
    return s.dtype.categories.dtype if isinstance(s.dtype, pd.CategoricalDtype) else s.dtype


def _counts(k: Keys, is_event: bool, day_dtype) -> pd.DataFrame:
    """One table's rows per (day, oblast, batch) and its event rows among them. The counts are sums, so each
    table is counted on its own codes and the small results are added: no frame of every row's text (at a
    million export rows that frame and its text inputs were the import's memory peak). Rows without a day or
    an oblast are left out, as groupby leaves out missing keys."""
    keep = (k.day >= 0) & (k.oblast >= 0) & (k.batch >= 0)
    no, nb = len(k.oblasts), len(k.batches)
    flat = (k.day[keep].astype(np.int64) * no + k.oblast[keep]) * nb + k.batch[keep]
    n = np.bincount(flat, minlength=len(k.days) * no * nb)
    at = np.flatnonzero(n)
    d, rest = np.divmod(at, no * nb)
    o, b = np.divmod(rest, nb)
    return pd.DataFrame({"day": pd.Series(k.days.take(d), dtype=day_dtype),
                         "oblast": pd.Series(k.oblasts.take(o), dtype="str"),
                         "batch": pd.Series(k.batches.take(b), dtype="str"),
                         "rows": n[at].astype(np.int64), "events": (n[at] if is_event else np.zeros(len(at))
                                                                   ).astype(np.int64)})


def _in_window(k: Keys) -> np.ndarray:
    """Which rows are of the continuously covered oblast and window: one test per distinct day and oblast
    (a missing day or oblast, code -1, reads the appended False)."""
    day_in = np.append(np.asarray(k.days.to_series().between(CONTINUOUS_START, CONTINUOUS_END), dtype=bool), False)
    obl_in = np.append(np.asarray(k.oblasts == CONTINUOUS_OBLAST, dtype=bool), False)
    return day_in[k.day] & obl_in[k.oblast]


def _rows(name: str, df: pd.DataFrame, key: str, at: np.ndarray, k: Keys | None) -> pd.DataFrame:
    """The rows at positions `at` of one table as text; with `k` (rows that all have a day and an oblast) also
    their batch letters, oblast and report day."""
    day_dtype = _day_dtype(df["published"])
    df = df[[key, "source_id", "claim_by", "date_reported", "place_id", "place_match"]].iloc[at]  # not every column
    keys = {} if k is None else {
        "oblast": pd.Series(k.oblasts.take(k.oblast[at]), dtype="str"),
        "day": pd.Series(k.days.take(k.day[at]), dtype=day_dtype),
        "batch": pd.Series(k.batches.take(k.batch[at]), dtype="str")}
    return pd.DataFrame({
        "table": pd.Series(name, index=range(len(at)), dtype="str"), "row_id": _text(df[key]),
        "source_id": _text(df["source_id"]), **keys,
        "claim_by": _text(df["claim_by"]), "date_reported": _text(df["date_reported"]),
        "place_id": _text(df["place_id"]), "place_match": _text(df["place_match"])})


def _of(s: pd.Series, values: pd.Series) -> np.ndarray:
    """s.isin(values) as a bool array: a coded column tests its distinct values only."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        hit = arrow_lookup.isin(pd.Series(s.cat.categories.astype("str")), values).to_numpy(dtype=bool)
        return np.append(hit, False)[s.cat.codes.to_numpy()]
    return arrow_lookup.isin(s.astype("str"), values).to_numpy(dtype=bool)


def summary_sources(rows: pd.DataFrame) -> pd.Series:
    """Source ids of the daily summaries of the continuously covered oblast and window."""
    r = rows[(rows["oblast"] == CONTINUOUS_OBLAST) & rows["day"].between(CONTINUOUS_START, CONTINUOUS_END)]
    # per report: an official is credited on it and its rows are dated by a past-day phrase (an outlet that
    # retells the summary's list in its own words keeps the official's credit for the quoted part only)
    # the sets are of distinct ids (hashed in Arrow first: no Python string per row)
    official = set(pd.unique(r.loc[r["claim_by"].isin(OFFICIAL), "source_id"]))
    dated = set(pd.unique(r.loc[r["date_reported"].str.contains(PAST_DAY, case=False, regex=True, na=False),
                                "source_id"]))
    is_summary = (r["batch"] == CONTINUOUS_BATCH) | (r["table"] == "tallies") | r["source_id"].isin(official & dated)
    return pd.Series(sorted(set(pd.unique(r.loc[is_summary, "source_id"]))), dtype="str")


def _joined(rows: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Each key's distinct source ids, sorted and joined by ';' (as groupby(key)['source_id'].agg(';'.join) on
    the rows sorted by source id), column summary_source_ids: one sort and one Python join per group, without
    the per-group frames of a Python groupby aggregation (a third of a million-row clean's coverage)."""
    d = rows[[*key, "source_id"]].drop_duplicates().sort_values([*key, "source_id"], kind="stable")
    group = d.groupby(key, sort=False).ngroup().to_numpy()
    starts = np.flatnonzero(np.diff(group, prepend=-1))
    bounds = np.append(starts, len(d))
    ids = d["source_id"].tolist()
    out = d[key].iloc[starts].reset_index(drop=True)
    out["summary_source_ids"] = pd.Series([";".join(ids[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
                                          dtype="str")
    return out


def _sets(pairs: pd.DataFrame) -> dict:
    """source_id -> the set of its place_ids (as groupby('source_id')['place_id'].agg(set) gives), made in one
    pass over the pairs: rows without a source id are left out, as groupby leaves out missing keys."""
    out: dict = {}
    for source, place in zip(pairs["source_id"].tolist(), pairs["place_id"].tolist(), strict=True):
        if not pd.isna(source):
            out.setdefault(source, set()).add(place)
    return out


def coverage(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The processed coverage table from the processed events, casualties and tallies."""
    keys = {name: _keys(t[name], key) for name, key in ROW_TABLES.items()}
    key = ["day", "oblast", "batch"]
    counts = pd.concat([_counts(keys[name], name == "events", _day_dtype(t[name]["published"]))
                        for name in ROW_TABLES], ignore_index=True)
    out = counts.groupby(key).agg(rows=("rows", "sum"), events=("events", "sum")).reset_index()
    # the summaries are found among the rows of the continuous oblast and window: only those are made text
    rows = pd.concat([_rows(name, t[name], k, np.flatnonzero(_in_window(keys[name])), keys[name])
                      for name, k in ROW_TABLES.items()], ignore_index=True)
    summ = summary_sources(rows)
    out["design"] = out["batch"].map(BATCH_DESIGN).fillna("single_reports")
    out.loc[out["design"] == "continuous_daily_summary", "design"] = "single_reports"
    in_summ = rows[arrow_lookup.isin(rows["source_id"], summ).to_numpy(dtype=bool)]
    # each group's distinct summaries, sorted and joined: the repeats dropped before any Python string is made
    out = out.merge(_joined(in_summ, key), on=key, how="left")
    out.loc[out["summary_source_ids"].notna(), "design"] = "continuous_daily_summary"
    # settlements coded from a summary's own rows (official, or dated by its past-day phrase), and its tally,
    # whichever batch coded them, in any oblast or day; the phrase is read on the summaries' rows only
    events = t["events"]
    ev = _rows("events", events, "event_id", np.flatnonzero(_of(events["source_id"], summ)), None)
    ev = ev[~ev["place_match"].isin(["raion", "oblast"])]
    ev = ev[ev["claim_by"].isin(OFFICIAL)
            | ev["date_reported"].str.contains(PAST_DAY, case=False, regex=True, na=False)]
    src_places = _sets(ev[["source_id", "place_id"]].drop_duplicates())
    ta = t["tallies"]
    ta = ta[arrow_lookup.isin(ta["source_id"].astype("str"), summ) & ta["settlements_shelled_best"].notna()]
    src_tally = ta.groupby("source_id")["settlements_shelled_best"].max().to_dict()
    # fillna("").str.split(";") per row, and the groups without a summary (nearly all rows of an import) get
    # the answer for [""] worked out once: two Python loops over every coverage row were a third of the step
    ids = [x.split(";") if isinstance(x, str) else None for x in out["summary_source_ids"].tolist()]
    no_tally = max((int(src_tally[i]) for i in [""] if i in src_tally), default=pd.NA)
    out["places"] = [len(set().union(*(src_places.get(i, set()) for i in x))) if x not in (None, [""]) else pd.NA
                     for x in ids]
    out["tally_settlements"] = [no_tally if x is None else max((int(src_tally[i]) for i in x if i in src_tally),
                                                               default=pd.NA) for x in ids]
    cont = out["design"] == "continuous_daily_summary"
    out.loc[cont, "places"] = out.loc[cont, "places"].fillna(0)
    out["tally_match"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    has = out["tally_settlements"].notna()
    out.loc[has, "tally_match"] = (out.loc[has, "places"] == out.loc[has, "tally_settlements"]).astype("boolean")
    out = out.rename(columns={"day": "date"})
    out["coverage_id"] = ("COV-" + out["date"].dt.strftime("%Y-%m-%d") + "-" + out["oblast"] + "-" + out["batch"])
    return finish(out, TABLES["coverage"])


def continuous_days(cov: pd.DataFrame) -> pd.DatetimeIndex:
    """Days of the continuous record that have a coded daily summary."""
    c = cov[cov["design"] == "continuous_daily_summary"]
    return pd.DatetimeIndex(sorted(c["date"].unique()))


def missing_days(cov: pd.DataFrame) -> list[pd.Timestamp]:
    """Days of the continuous window without a coded daily summary."""
    have = set(continuous_days(cov))
    return [d for d in pd.date_range(CONTINUOUS_START, CONTINUOUS_END) if d not in have]
