"""Row checks shared by every raw table: vocabularies, ids, duplicates, references.

Each takes a frame and the table's Rejects, records the failing rows still in play in Rejects with a
reason that says what was expected, marks them out of play (errors.mark_bad) and returns the frame.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import arrow_lookup
from analysis.clean.errors import ALIVE, Rejects, live, mark_bad, rows
from analysis.registry.schema import Table
from analysis.registry.vocab import MULTI_VALUED, VOCABULARIES


def vocabularies(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """Cells of vocabulary columns must use the codebook's words (case and spaces folded)."""
    for f in table.raw:
        if not f.vocab or f.name not in df.columns:
            continue
        allowed = VOCABULARIES[f.vocab]
        # a vocabulary column holds a few distinct cells: fold and test each once, then map back to the rows
        folded = arrow_lookup.per_distinct(df[f.name], lambda u, f=f, allowed=allowed: _fold_vocab(u, f.name, allowed))
        s, bad = folded["value"].rename(f.name), folded["bad"]
        if f.required:
            df = mark_bad(df, s.isna(), rejects, f.name, f"a value for required column '{f.name}'", table.key)
        # the reject shows the cell as written (before folding), so it can be found in the raw file
        df = mark_bad(df, bad, rejects, f.name, f"one of: {', '.join(allowed)}", table.key)
        df = df.assign(**{f.name: s})
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
    if df[key].notna().all() and arrow_lookup.is_sorted(df[key], strict=True):
        return df  # every id rising (the raw files come in id order): none repeats, no hash of a million ids
    alive = live(df).to_numpy()
    code = arrow_lookup.codes(df[key])[alive]  # ids as integers: duplicates found by an integer hash, not on text
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
    if arrow_lookup.all_distinct(s):
        return pd.Series(False, index=df.index)
    return s.duplicated(keep="first").reindex(df.index, fill_value=False)


def same_report_twice(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """The same report coded twice (every coded cell equal but the id) keeps only the first row."""
    cols = [c for c in table.raw_columns if c not in (table.key, "coder_note")]
    # copies can only be among rows that agree on the first few coded cells (source, date, ...): group those
    # cheaply, then compare every cell of the few candidates
    alive = live(df)
    cand = rows(df[cols], alive & _repeated(df, cols[:3]))
    group = pd.Series(cand.groupby(cols, dropna=False, sort=False).ngroup().to_numpy(), index=cand.index)
    dup = group.duplicated(keep="first")  # = df.duplicated(subset=cols) among the rows in play
    if dup.any():
        first = group[~dup]
        key_of = pd.Series(df.loc[first.index, table.key].to_numpy(), index=first.to_numpy())
        reason = "a row that is not a copy of " + group[dup].map(key_of).astype("str") + " (same report coded twice)"
        df = mark_bad(df, dup, rejects, table.key, reason, table.key)
    return df


def _repeated(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Mask of the rows whose values in cols another row has too (missing equal to missing):
    df.duplicated(cols, keep=False), found on each column's integer codes (Arrow's hash) joined into one
    (arrow_lookup.joint_codes) and counted, not on a grouping of the text columns."""
    joint = arrow_lookup.joint_codes(*(arrow_lookup.codes(df[c]) for c in cols))
    return np.bincount(joint)[joint] > 1 if len(joint) else np.zeros(0, dtype=bool)


def references(df: pd.DataFrame, column: str, valid: pd.Index, what: str, table: Table,
               rejects: Rejects, optional: bool = False) -> pd.DataFrame:
    """Every value of `column` must name a kept row of another table."""
    s = df[column]
    bad = ~arrow_lookup.isin(s, valid)
    if optional:
        bad &= s.notna()
    article = "an" if what[0] in "aeiou" else "a"
    return mark_bad(df, bad, rejects, column, f"the id of {article} {what} that exists and was kept", table.key)


#: characters that can hide or reorder text (bidi overrides and isolates, zero-width characters) or end it
#: early (NUL and the other C0/C1 controls but tab and newline): a cell holding one is rejected, not published
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                         "\u2060-\u2069\ufeff\ufff9-\ufffb]")
MAX_CELL = 100_000  # characters: the longest coded note is a few hundred; a bigger cell is a broken file
#: permanent ids: a prefix, then letters, digits and . _ - : (EV-S0001, src_a52f39da2e, gn:703448, oskil:raion-izium)
ID_PATTERNS = {
    "source_id": re.compile(r"src_[a-z0-9_]{1,64}"),  # src_ + 10 hex digits of sha1(url), by convention
    "place_id": re.compile(r"[a-z]+:[a-z0-9][a-z0-9._-]{0,99}"),
}
ID_PATTERN = re.compile(r"[A-Z]{2,4}-[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _shown(s: pd.Series) -> pd.Series:
    """A rejected cell as the rejects table shows it: unsafe characters as escapes (U+202E -> \\u202e), cut
    to 200 characters with its length, so the rejects file is as safe to open as the tables."""
    esc = s.str.replace(UNSAFE_TEXT, lambda m: f"\\u{ord(m.group()):04x}", regex=True)
    n = s.str.len()
    return esc.where(n <= 200, esc.str.slice(0, 200) + "... (" + n.astype("str") + " characters)")


def text_and_ids(df: pd.DataFrame, table: Table, rejects: Rejects) -> pd.DataFrame:
    """Text that cannot escape its cell, and ids of the right form: cells over MAX_CELL characters, cells with
    control, bidi-override or zero-width characters, and a key that does not match its id pattern are
    rejected with the reason (the cell is shown escaped and cut in the rejects table)."""
    df = safe_text(df, table.raw_columns, rejects, table.key)
    key = table.key
    if key and key in df.columns:
        pattern = ID_PATTERNS.get(key, ID_PATTERN)
        s = df[key]
        bad = s.notna() & ~s.str.fullmatch(pattern).fillna(False).astype(bool) & live(df)
        if bad.any():
            df = _reject_shown(df, bad, rejects, key, f"an id of the form {pattern.pattern}", key)
    return df


def safe_text(df: pd.DataFrame, columns: list[str], rejects: Rejects, id_col: str | None) -> pd.DataFrame:
    """Reject rows with a cell over MAX_CELL characters or holding UNSAFE_TEXT, in the text columns listed
    (the clean's raw tables and the importers' export batches alike)."""
    for col in _text_columns(df, columns):
        s = df[col]
        if _clearly_safe(s):
            continue
        alive = live(df)
        long = s.str.len().gt(MAX_CELL).fillna(False).astype(bool) & alive
        unsafe = s.str.contains(UNSAFE_TEXT, regex=True).fillna(False).astype(bool) & alive & ~long
        for bad, reason in ((long, f"a cell of at most {MAX_CELL:,} characters"),
                            (unsafe, "text without control, bidi-override or zero-width characters "
                                     "(shown escaped as \\uXXXX)")):
            if bad.any():
                df = _reject_shown(df, bad, rejects, col, reason, id_col)
    return df


def clearly_safe(df: pd.DataFrame, columns: list[str]) -> bool:
    """True when safe_text(df, columns, ...) would reject nothing and return df as it is, found by the Arrow
    kernels alone (_clearly_safe of each text column listed): the case of nearly every batch of an export."""
    return all(_clearly_safe(df[c]) for c in _text_columns(df, columns))


def _text_columns(df: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns listed that df has as text: the ones safe_text and clearly_safe look at."""
    return [c for c in columns if c in df.columns and pd.api.types.is_string_dtype(df[c])]


def _clearly_safe(s: pd.Series) -> bool:
    """True when no cell of s can hold UNSAFE_TEXT or exceed MAX_CELL, found by Arrow's kernels (_bytes_safe)
    instead of a regex per cell in Python (the common case: a clean column costs a few milliseconds)."""
    try:
        arr = pa.chunked_array([pa.array(s.array)]) if not isinstance(s.array, pa.ChunkedArray) else s.array
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return False
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    if len(arr) and (pc.max(pc.binary_length(arr)).as_py() or 0) > MAX_CELL:
        return False
    return _bytes_safe(arr)


#: UNSAFE_TEXT in RE2's syntax (Arrow's regex engine), made from it: each character of its class as \x{hex}
_UNSAFE_RE2 = "".join(c if c in "[]-" else f"\\x{{{ord(c):x}}}" for c in UNSAFE_TEXT.pattern)


def _bytes_safe(arr: pa.ChunkedArray | pa.Array) -> bool:
    """True when no cell of a text column holds an UNSAFE_TEXT character: Arrow's regex kernel (RE2, a DFA over
    the UTF-8 bytes), which runs without the GIL, once over each chunk's text as one cell (_as_one_cell: a call
    per cell cost three times as much on short cells). The import checks each batch on a thread of its own while
    the main thread places the batch before; bytes.translate over the data buffer (the C loop this replaces)
    held the GIL for its whole pass, so the two threads took turns. A character never spans two cells' bytes
    (each cell is whole UTF-8), so one search over their bytes finds what a search per cell finds."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return all(_one_cell_safe(_as_one_cell(c)) for c in chunks if len(c))


def _one_cell_safe(one: pa.Array) -> bool:
    """No UNSAFE_TEXT character in the one-cell view of a chunk: at once when every byte is printable ASCII (0x20
    to 0x7E, where UNSAFE_TEXT has none; two numpy reductions, also without the GIL, about a tenth of the regex's
    cost: nine chunks in ten of an ACLED export), else by the regex."""
    data = one.buffers()[2]
    if data is None or data.size == 0:
        return True
    body = np.frombuffer(data, dtype=np.uint8)
    if body.min() >= 0x20 and body.max() <= 0x7E:
        return True
    return not pc.match_substring_regex(one, _UNSAFE_RE2)[0].as_py()


def _as_one_cell(chunk: pa.Array) -> pa.Array:
    """A one-cell text array over the bytes of every cell of a text chunk, end to end (no copy; a missing cell
    has none)."""
    offsets = arrow_lookup.text_offsets(chunk)
    start, end = int(offsets[0]), int(offsets[-1])
    data = chunk.buffers()[2]
    body = data.slice(start, end - start) if data is not None else pa.py_buffer(b"")
    return pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, end - start], np.int64)), body])


def _reject_shown(df: pd.DataFrame, bad: pd.Series, rejects: Rejects, column: str, reason: str,
                  id_col: str | None) -> pd.DataFrame:
    """mark_bad, with the cell (and the id) recorded as _shown() renders them."""
    cols = list(dict.fromkeys(c for c in ("raw_line", column, id_col) if c and c in df.columns))
    part = rows(df[cols], bad)
    rejects.add(part.assign(**{c: _shown(part[c]) for c in cols if c != "raw_line"}), column, reason, id_col)
    return df.assign(**{ALIVE: live(df) & ~bad})
