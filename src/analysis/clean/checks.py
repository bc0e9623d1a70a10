"""Row checks shared by every raw table: vocabularies, ids, duplicates, references.

Each takes a frame and the table's Rejects, records the failing rows still in play in Rejects with a
reason that says what was expected, marks them out of play (errors.mark_bad) and returns the frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean import fast
from analysis.clean.errors import Rejects, live, mark_bad, rows
from analysis.schema import Table
from analysis.vocab import MULTI_VALUED, VOCABULARIES


def vocabularies(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """Cells of vocabulary columns must use the codebook's words (case and spaces folded)."""
    for f in table.raw:
        if not f.vocab or f.name not in df.columns:
            continue
        allowed = VOCABULARIES[f.vocab]
        # a vocabulary column holds a few distinct cells: fold and test each once, then map back to the rows
        folded = fast.per_distinct(df[f.name], lambda u, f=f, allowed=allowed: _fold_vocab(u, f.name, allowed))
        s, bad = folded["value"].rename(f.name), folded["bad"]
        if f.required:
            df = mark_bad(df, s.isna(), rejects, f.name, f"a value for required column '{f.name}'", table.key)
        df = df.assign(**{f.name: s})
        df = mark_bad(df, bad, rejects, f.name,
                      f"one of: {', '.join(allowed)}", table.key)
    return df


def _fold_vocab(u: pd.Series, name: str, allowed: dict) -> pd.DataFrame:
    """Distinct cells of a vocabulary column folded (case, spaces, hyphens), and whether any word is not in
    `allowed` (an empty cell never is)."""
    u = u.str.strip().str.lower().str.replace(r"\s*;\s*", ";", regex=True)
    u = u.str.replace(r"[\s\-]+", "_", regex=True)
    if name in MULTI_VALUED:
        parts = u.str.split(r"\s*;\s*").explode()
        parts = parts[parts.notna() & (parts != "")]
        bad_idx = parts[~parts.isin(list(allowed))].index.unique()
        u = u.str.replace(r"\s*;\s*", ";", regex=True).str.strip(";")
        bad = u.index.isin(bad_idx)
    else:
        bad = (u.notna() & ~u.isin(list(allowed))).to_numpy(dtype=bool)
    return pd.DataFrame({"value": u, "bad": bad}, index=u.index)


def required(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """Required raw columns must not be empty."""
    for f in table.raw:
        if f.required and not f.vocab:
            df = mark_bad(df, df[f.name].isna(), rejects, f.name, f"a value for required column '{f.name}'",
                          table.key)
    return df


def unique_ids(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """A repeated id is an error: the first row keeps it, later rows are rejected naming the first."""
    key = table.key
    alive = live(df).to_numpy()
    code = fast.codes(df[key])[alive]  # ids as integers: duplicates found by an integer hash, not on text
    dup = pd.Series(code).duplicated(keep="first").to_numpy()
    if dup.any():
        lines = df["raw_line"].to_numpy()[alive]
        first_line = np.zeros(code.max() + 1, dtype="int64")
        first_line[code[~dup]] = lines[~dup]
        where = df.index[alive][dup]
        reason = pd.Series(first_line[code[dup]], index=where).astype("str").radd("a unique id; already used at line ")
        df = mark_bad(df, pd.Series(True, index=where), rejects, key, reason, key)
    return df


def duplicated_live(df: pd.DataFrame, column: str) -> pd.Series:
    """column.duplicated(keep='first') among the rows still in play (False for the others)."""
    s = rows(df[column], live(df))
    if fast.all_distinct(s):
        return pd.Series(False, index=df.index)
    return s.duplicated(keep="first").reindex(df.index, fill_value=False)


def same_report_twice(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """The same report coded twice (every coded cell equal but the id) keeps only the first row."""
    cols = [c for c in table.raw_columns if c not in (table.key, "coder_note")]
    # copies can only be among rows that agree on the first few coded cells (source, date, ...): group those
    # cheaply, then compare every cell of the few candidates
    probe = pd.Series(df.groupby(cols[:3], dropna=False, sort=False).ngroup().to_numpy(), index=df.index)
    alive = live(df)
    cand = rows(df[cols], alive & probe.duplicated(keep=False))
    group = pd.Series(cand.groupby(cols, dropna=False, sort=False).ngroup().to_numpy(), index=cand.index)
    dup = group.duplicated(keep="first")  # = df.duplicated(subset=cols) among the rows in play
    if dup.any():
        first = group[~dup]
        key_of = pd.Series(df.loc[first.index, table.key].to_numpy(), index=first.to_numpy())
        reason = "a row that is not a copy of " + group[dup].map(key_of).astype("str") + " (same report coded twice)"
        df = mark_bad(df, dup, rejects, table.key, reason, table.key)
    return df


def references(df: pd.DataFrame, column: str, valid: pd.Index, what: str, table: Table,
               rejects: Rejects, optional: bool = False) -> pd.DataFrame:
    """Every value of `column` must name a kept row of another table."""
    s = df[column]
    bad = ~fast.isin(s, valid)
    if optional:
        bad &= s.notna()
    article = "an" if what[0] in "aeiou" else "a"
    return mark_bad(df, bad, rejects, column, f"the id of {article} {what} that exists and was kept", table.key)
