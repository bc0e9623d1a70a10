"""Pandera schemas for the processed tables and the checks between tables, built from the schema registry:
dtypes, required and unique columns, vocabularies, bounds, count triples and foreign keys all come from
analysis.registry.schema, so a column added there is validated without an edit here."""

from __future__ import annotations

import functools

import pandas as pd
import pandera.pandas as pa

from analysis.clean import arrow_lookup
from analysis.registry.schema import TABLES, Field, Table
from analysis.registry.vocab import MULTI_VALUED, VOCABULARIES


def _all_words_in(s: pd.Series, allowed: list[str]) -> pd.Series:
    """Every ';'-separated word of each cell is in `allowed`; worked out once per distinct cell."""
    return arrow_lookup.per_distinct(s, lambda u: u.str.split(";").explode().isin(allowed).groupby(level=0).all()
                             .reindex(u.index, fill_value=False))


def _checks(f: Field) -> list[pa.Check]:
    """The column checks of one processed field: its vocabulary and its bounds."""
    checks: list[pa.Check] = []
    if f.vocab:
        allowed = list(VOCABULARIES[f.vocab])
        if f.name in MULTI_VALUED:
            checks.append(pa.Check(lambda s, a=allowed: _all_words_in(s, a), element_wise=False,
                                   error=f"every ';'-separated value in {allowed}"))
        else:
            checks.append(pa.Check.isin(allowed))
    if f.bounds:
        lo, hi = f.bounds
        if lo is not None and hi is not None:
            checks.append(pa.Check.in_range(lo, hi))
        elif lo is not None:
            checks.append(pa.Check.ge(lo))
        elif hi is not None:
            checks.append(pa.Check.le(hi))
    return checks


def _ordered_count(m: str, low: str, best: str, high: str) -> pa.Check:
    """low <= best <= high, an empty high being open."""
    return pa.Check(lambda d: ((d[low] <= d[best]) & (d[high].isna() | (d[best] <= d[high]))).fillna(True),
                    error=f"{m}: low <= best <= high")


def schema_for(table: Table, typed: bool = False) -> pa.DataFrameSchema:
    """The table's pandera schema. typed: leave the dtype checks out, for a frame whose dtypes are already
    known to be the registry's (_typed); every other check stays."""
    cols = {f.name: pa.Column(None if typed else f.dtype, nullable=not f.required, unique=f.unique,
                              checks=_checks(f), coerce=False)
            for f in table.processed}
    frame_checks = []
    if "date_start" in cols and "date_end" in cols:
        frame_checks.append(pa.Check(lambda d: d["date_start"] <= d["date_end"], error="date_start <= date_end"))
    for m in table.measures:
        frame_checks.append(_ordered_count(m, *(table.count_column(m, p) for p in ("low", "best", "high"))))
    return pa.DataFrameSchema(cols, checks=frame_checks, strict=True, ordered=True, name=table.name)


_SCHEMAS: dict[tuple[str, int, bool], pa.DataFrameSchema] = {}


def _schema(table: Table, typed: bool) -> pa.DataFrameSchema:
    """schema_for, built once per table (an import validates events and casualties chunk by chunk)."""
    key = (table.name, id(table), typed)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = schema_for(table, typed)
    return _SCHEMAS[key]


def _typed(df: pd.DataFrame, table: Table) -> bool:
    """True when df has exactly the table's processed columns, in order, each with the registry's dtype:
    what tables.cast gives every processed table. pandera's own dtype check of a text column builds and
    inspects a result per cell; this is one comparison per column."""
    names, dtypes = _dtypes(table)
    return list(df.columns) == names and all(df[c].dtype == d for c, d in zip(names, dtypes, strict=True))


@functools.cache
def _dtypes(table: Table) -> tuple[list[str], list]:
    """The table's processed column names and their pandas dtypes."""
    return [f.name for f in table.processed], [pd.api.types.pandas_dtype(f.dtype) for f in table.processed]


def validate(name: str, df: pd.DataFrame, copy: bool = True) -> pd.DataFrame:
    """Validate one processed table; raises pandera's SchemaErrors listing every failure. A frame whose
    columns already have the registry's dtypes is checked without pandera's dtype checks (they would pass);
    any other goes through the full schema, so a wrong dtype is reported as before. copy=False: pandera checks
    df itself instead of a copy (the schemas coerce nothing, so df is not changed), for a caller that holds
    the only reference (the import's tables: a million-row copy each, made while other tables are written)."""
    table = TABLES[name]
    return _schema(table, _typed(df, table)).validate(df, lazy=True, inplace=not copy)


def integrity(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Cross-table checks: every foreign key of the registry resolves (empty cells aside), in every table given
    whose target table is given too. One line per dangling key, with up to five of its values."""
    problems = []
    for name, df in tables.items():
        for fk in TABLES[name].foreign_keys:
            if fk.table not in tables:
                continue
            values = df[fk.column].dropna()
            gone = sorted(set(values[~arrow_lookup.isin(values, tables[fk.table][TABLES[fk.table].key])]))
            if gone:
                problems.append(f"{name}: {fk.column} values not in {fk.table}: {gone[:5]}")
    return problems
