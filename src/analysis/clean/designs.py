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
    got = pc.struct_field(pc.extract_regex(arr, r"^[A-Z]+-(?P<b>[A-Z]+)[0-9]"), [0])
    out = pd.Series(pd.array(got, dtype="str"), index=ids.index)
    other = pc.match_substring_regex(arr, r"^[A-Z]+-[A-Z]+[^\x00-\x7f]").to_numpy(zero_copy_only=False)
    other = np.asarray(pd.array(other, dtype="boolean").fillna(False), dtype=bool)
    if other.any():
        out[other] = ids[other].map(lambda i: m.group(1) if (m := BATCH.match(i)) else pd.NA)
    return out.fillna("?")


def _rows(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Event, casualty and tally rows with their batch letter, oblast and report day."""
    parts = []
    for name, key in ROW_TABLES.items():
        df = t[name]
        parts.append(pd.DataFrame({
            "table": name, "row_id": df[key].astype("str"), "source_id": df["source_id"].astype("str"),
            "oblast": df["oblast"].astype("str"), "day": df["published"].dt.normalize(),
            "batch": batch(df[key].astype("str")),
            "claim_by": df["claim_by"].astype("str"), "date_reported": df["date_reported"].astype("str"),
            "place_id": df["place_id"].astype("str"), "place_match": df["place_match"].astype("str")}))
    return pd.concat(parts, ignore_index=True)


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


def coverage(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The processed coverage table from the processed events, casualties and tallies."""
    rows = _rows(t)
    summ = summary_sources(rows)
    # a row of a daily summary: one Arrow membership test, reused below (a set of thousands of ids per isin)
    of_summary = arrow_lookup.isin(rows["source_id"], summ).to_numpy()
    key = ["day", "oblast", "batch"]
    out = (rows.assign(is_event=rows["table"] == "events").groupby(key)
           .agg(rows=("row_id", "size"), events=("is_event", "sum")).reset_index())
    out["design"] = out["batch"].map(BATCH_DESIGN).fillna("single_reports")
    out.loc[out["design"] == "continuous_daily_summary", "design"] = "single_reports"
    in_summ = rows[of_summary & (rows["oblast"] == CONTINUOUS_OBLAST).to_numpy(dtype=bool)
                   & rows["day"].between(CONTINUOUS_START, CONTINUOUS_END).to_numpy(dtype=bool)]
    # each group's distinct summaries, sorted and joined: the repeats dropped before any Python string is made
    per = (in_summ[[*key, "source_id"]].drop_duplicates().sort_values("source_id", kind="stable")
           .groupby(key)["source_id"].agg(";".join).rename("summary_source_ids"))
    out = out.merge(per.reset_index(), on=key, how="left")
    out.loc[out["summary_source_ids"].notna(), "design"] = "continuous_daily_summary"
    # settlements coded from a summary's own rows (official, or dated by its past-day phrase), and its tally,
    # whichever batch coded them; the phrase is read on the summaries' rows only, not on a whole import
    ev = rows[of_summary & (rows["table"] == "events").to_numpy(dtype=bool)]
    ev = ev[~ev["place_match"].isin(["raion", "oblast"])]
    ev = ev[ev["claim_by"].isin(OFFICIAL)
            | ev["date_reported"].str.contains(PAST_DAY, case=False, regex=True, na=False)]
    src_places = ev[["source_id", "place_id"]].drop_duplicates().groupby("source_id")["place_id"].agg(set).to_dict()
    ta = t["tallies"]
    ta = ta[arrow_lookup.isin(ta["source_id"].astype("str"), summ) & ta["settlements_shelled_best"].notna()]
    src_tally = ta.groupby("source_id")["settlements_shelled_best"].max().to_dict()
    ids = out["summary_source_ids"].fillna("").str.split(";")
    out["places"] = [len(set().union(*(src_places.get(i, set()) for i in x))) if x != [""] else pd.NA for x in ids]
    out["tally_settlements"] = [max((int(src_tally[i]) for i in x if i in src_tally), default=pd.NA) for x in ids]
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
