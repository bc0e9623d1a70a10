"""Pandera schemas for the processed tables, built from the schema registry."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from analysis.clean import fast, rules
from analysis.schema import TABLES, Table
from analysis.vocab import MULTI_VALUED, VOCABULARIES

_BOUNDS = {"date_prec": (1, 5), "geo_prec": (1, 6), "hour": (0, 23), "latitude": (rules.LAT_MIN, rules.LAT_MAX),
           "longitude": (rules.LON_MIN, rules.LON_MAX)}


def _all_words_in(s: pd.Series, allowed: list[str]) -> pd.Series:
    """Every ';'-separated word of each cell is in `allowed`; worked out once per distinct cell."""
    return fast.per_distinct(s, lambda u: u.str.split(";").explode().isin(allowed).groupby(level=0).all()
                             .reindex(u.index, fill_value=False))


def _checks(table: Table, name: str, vocab: str | None) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if vocab:
        allowed = list(VOCABULARIES[vocab])
        if name in MULTI_VALUED:
            checks.append(pa.Check(lambda s, a=allowed: _all_words_in(s, a), element_wise=False,
                                   error=f"every ';'-separated value in {allowed}"))
        else:
            checks.append(pa.Check.isin(allowed))
    if name in _BOUNDS:
        lo, hi = _BOUNDS[name]
        checks.append(pa.Check.in_range(lo, hi))
    if name.endswith("_low") or name.endswith("_best") or name.endswith("_high") or name in ("n_reports",):
        checks.append(pa.Check.ge(0))
    return checks


def schema_for(table: Table) -> pa.DataFrameSchema:
    cols = {f.name: pa.Column(f.dtype, nullable=not f.required, unique=f.unique,
                              checks=_checks(table, f.name, f.vocab), coerce=False)
            for f in table.processed}
    frame_checks = []
    if "date_start" in cols and "date_end" in cols:
        frame_checks.append(pa.Check(lambda d: d["date_start"] <= d["date_end"], error="date_start <= date_end"))
    for stem in ("killed", "injured", "settlements_shelled", "children_killed", "children_injured"):
        if f"{stem}_low" in cols:
            frame_checks.append(pa.Check(
                lambda d, s=stem: ((d[f"{s}_low"] <= d[f"{s}_best"]) & (
                    d[f"{s}_high"].isna() | (d[f"{s}_best"] <= d[f"{s}_high"]))).fillna(True),
                error=f"{stem}: low <= best <= high"))
    return pa.DataFrameSchema(cols, checks=frame_checks, strict=True, ordered=True, name=table.name)


def validate(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate one processed table; raises pandera's SchemaErrors listing every failure."""
    return schema_for(TABLES[name]).validate(df, lazy=True)


def integrity(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Cross-table checks: every source id and event link resolves, every incident exists."""

    def missing(values: pd.Series, valid: pd.Series) -> list:
        return sorted(set(values[~fast.isin(values, valid)]))

    problems = []
    sources = tables["sources"]["source_id"]
    for name in ("events", "casualties", "statements", "control", "tallies"):
        gone = missing(tables[name]["source_id"], sources)
        if gone:
            problems.append(f"{name}: source ids not in sources: {gone[:5]}")
    links = missing(tables["casualties"]["event_id"].dropna(), tables["events"]["event_id"])
    if links:
        problems.append(f"casualties: event ids not in events: {links[:5]}")
    inc = tables["incidents"]["incident_id"]
    for name in ("events", "casualties"):
        gone = missing(tables[name]["incident_id"], inc)
        if gone:
            problems.append(f"{name}: incident ids not in incidents: {gone[:5]}")
    return problems
