"""Membership and lookup on text columns in Arrow compute.

pandas' isin/map on Arrow-backed text build a Python list of every lookup value (and get_indexer hashes
them in Python): seconds per call on a million ids. These do the same with pyarrow's hash kernels. Same
answers as Series.isin / Series.map, missing values included: a missing cell is "in" the values only when
they hold a missing value too, and maps to missing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow(x: pd.Series | pd.Index) -> pa.ChunkedArray:
    """The Arrow text array behind a pandas text column (its own buffers when it has them), always chunked
    so callers can rely on one type."""
    arr = getattr(x, "array", x)
    native = getattr(arr, "_pa_array", None)  # Arrow-backed pandas array: use its buffers as they are
    if native is not None and pa.types.is_large_string(native.type):
        return native
    values = np.asarray(x, dtype=object)
    return pa.chunked_array([pa.array(values, type=pa.large_string(), from_pandas=True)])


def _is_text(x: pd.Series | pd.Index) -> bool:
    return pd.api.types.is_string_dtype(x.dtype) and (
        x.dtype == "str" or all(isinstance(v, str) for v in x[pd.notna(x)][:1000]))


def isin(s: pd.Series, values: pd.Series | pd.Index) -> pd.Series:
    """s.isin(values) for text."""
    if not (_is_text(s) and _is_text(values)):
        return s.isin(values)
    cells, v = arrow(s), arrow(values)
    hit = pc.is_in(cells, value_set=_among(v, cells) if len(cells) * FEWER <= len(v) else v.combine_chunks())
    return pd.Series(hit.to_numpy(zero_copy_only=False).astype(bool), index=s.index, name=s.name)


#: cells this many times fewer than the values they are looked up in: the cells' distinct values are hashed, and
#: the values looked up in them (Arrow's is_in hashes its value set: 0.25-0.4 s for the clean's 1.3 million report
#: ids, to look up the few thousand ids its links name)
FEWER = 8


def _among(values: pa.ChunkedArray, cells: pa.ChunkedArray) -> pa.Array:
    """The values that are among the cells (a missing value when both hold one): a value set that gives every
    cell the answer all the values give, found by hashing the cells' distinct values, not the values."""
    return values.filter(pc.is_in(values, value_set=pc.unique(cells))).combine_chunks()


def covers(keys: pd.Series | pd.Index, s: pd.Series) -> bool:
    """s.dropna().isin(keys).all(): every non-missing cell of s is among keys. Text in Arrow, with no per-cell
    result handed back to pandas; a column of exactly the keys in their order (an import's events and their
    incidents) is found equal in one comparison, without hashing a million keys."""
    if not (_is_text(s) and _is_text(keys)):
        return bool(s.dropna().isin(keys).all())
    arr = arrow(s)
    if arr.null_count == len(arr):
        return True
    k = arrow(keys)
    if arr.null_count == 0 and len(arr) == len(k) and arr.equals(k):
        return True
    if (arr.null_count == 0 and k.null_count == 0 and len(arr) < len(k) and _ascending(k, strict=True)
            and _ascending(arr)):
        return _sorted_covers(k, arr)
    if len(arr) * FEWER <= len(k):  # as isin: the cells' distinct values hashed, each found among the keys
        distinct = pc.drop_null(pc.unique(arr))
        return pc.count_distinct(k.filter(pc.is_in(k, value_set=distinct))).as_py() == len(distinct)
    hit = pc.is_in(arr, value_set=k.combine_chunks())
    return bool(pc.all(pc.or_(hit, pc.is_null(arr))).as_py())


def _ascending(arr: pa.ChunkedArray | pa.Array, strict: bool = False) -> bool:
    """Each cell of Arrow data without missing cells >= the one before (strict: >): one comparison of each cell
    with the next (is_sorted's and covers' test)."""
    if len(arr) < 2:
        return True
    before = pc.less if strict else pc.less_equal
    return bool(pc.all(before(arr.slice(0, len(arr) - 1), arr.slice(1))).as_py())


def _sorted_covers(keys: pa.ChunkedArray, arr: pa.ChunkedArray) -> bool:
    """covers() of sorted cells `arr` (none missing) by sorted distinct `keys` (an import's casualties' event ids
    by the events' ids): as many keys are among arr's values as arr has distinct values. Hashes the shorter
    column, not the million keys (about 55 MB of Arrow's hash table at a million, at the import's peak)."""
    arr = arr.combine_chunks()
    distinct = 1 + int(pc.sum(pc.not_equal(arr[:-1], arr[1:])).as_py() or 0) if len(arr) else 0
    found = pc.sum(pc.is_in(keys, value_set=arr)).as_py() or 0
    return found == distinct


def positions(s: pd.Series, keys: pd.Series | pd.Index) -> np.ndarray:
    """For each cell of s, the position of its value among keys (unique), or -1."""
    v = arrow(keys).combine_chunks()
    pos = pc.index_in(arrow(s), value_set=v)
    return pos.to_numpy(zero_copy_only=False) if pos.null_count == 0 else \
        pc.fill_null(pos, -1).to_numpy(zero_copy_only=False)


def map_series(s: pd.Series, mapping: pd.Series) -> pd.Series:
    """s.map(mapping) for a text s and a mapping with a unique text index."""
    if not (_is_text(s) and _is_text(mapping.index)) or not mapping.index.is_unique:
        return s.map(mapping)
    pos = positions(s, mapping.index).astype("int64")
    out = mapping.array.take(pos, allow_fill=True)
    return pd.Series(out, index=s.index, name=s.name)


def all_distinct(s: pd.Series) -> bool:
    """True when no value of s repeats (missing values count as one value): a hash pass, no factorize."""
    if not _is_text(s):
        return bool(s.nunique(dropna=False) == len(s))
    return pc.count_distinct(arrow(s), mode="all").as_py() == len(s)


def is_sorted(s: pd.Series, strict: bool = False) -> bool:
    """s.is_monotonic_increasing (strict: and no value twice): for Arrow text without missing cells one Arrow
    comparison of each cell with the next (UTF-8 byte order is code point order, Python's); pandas' own check of
    an Arrow text column makes a Python string of every cell (0.1 s per million, 0.7 s on the review queue).
    Anything else: pandas'."""
    native = getattr(getattr(s, "array", None), "_pa_array", None)
    if len(s) < 2 or native is None or not pa.types.is_large_string(native.type) or native.null_count:
        return bool(s.is_monotonic_increasing and (not strict or s.is_unique))
    return _ascending(native, strict)


def codes(s: pd.Series) -> np.ndarray:
    """Integer code of each cell's value (equal values, equal codes; -1 for missing): pandas' factorize codes
    for text, from Arrow's hash kernel."""
    if not _is_text(s):
        return pd.factorize(s)[0].astype("int64")
    enc = pc.dictionary_encode(arrow(s).combine_chunks(), null_encoding="mask")
    return pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy(zero_copy_only=False)


def ranks(s: pd.Series) -> np.ndarray:
    """Each cell's position in the sorted order of s (ties by position): a sort key as integers."""
    if is_sorted(s):  # tables come sorted by their id
        return np.arange(len(s), dtype="int64")
    return np.asarray(pc.rank(arrow(s).combine_chunks() if _is_text(s) else pa.array(s), sort_keys="ascending",
                              tiebreaker="first")).astype("int64") - 1


def sort_codes(s: pd.Series) -> np.ndarray:
    """Each cell as an integer that sorts as pandas sorts the column (sort_values, a sorted groupby): equal
    values equal codes, a missing cell after every value. Text is hashed once and only its distinct values
    are sorted (Arrow); other columns are factorized with their uniques sorted."""
    if len(s) and _is_text(s):
        return dense_ranks(arrow(s).combine_chunks())
    codes, uniq = pd.factorize(s, sort=True)
    return np.where(codes < 0, len(uniq), codes).astype(np.int64)


def dense_ranks(values: pa.Array) -> np.ndarray:
    """Each text cell's rank among the distinct texts, from 1 (equal text, equal rank; in the order text compares),
    a missing cell after every value: the distinct values are hashed once and only they are sorted."""
    enc = pc.dictionary_encode(values, null_encoding="mask")
    rank = np.asarray(pc.rank(enc.dictionary, sort_keys="ascending", tiebreaker="dense")).astype(np.int64)
    at = pc.fill_null(enc.indices.cast(pa.int64()), len(rank)).to_numpy(zero_copy_only=False)
    return np.append(rank, len(rank) + 1)[at]


def per_distinct(s: pd.Series, fn: Callable[[pd.Series], pd.Series | pd.DataFrame]) -> pd.Series | pd.DataFrame:
    """fn worked out once per distinct value of s and mapped back to its rows (parsers, folds and tests on
    columns with few distinct cells). fn gets the distinct values and then one missing value, as a Series of
    s's dtype, and returns one row per value in that order; a missing cell gets the missing value's row."""
    codes, uniq = s.factorize()
    values = pd.concat([pd.Series(uniq, dtype=s.dtype), pd.Series([None], dtype=s.dtype)], ignore_index=True)
    out = fn(values).iloc[np.where(codes < 0, len(uniq), codes)]
    out.index = s.index
    return out


def trimmed(col: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text cells trimmed as pandas' str.strip() trims them (the same kernel), a blank cell missing: the rule for
    an empty cell in the raw tables (clean.read) and in the exports (importers.stream). A column with no cell
    the rule changes (_untouched: nearly every column of an export) is returned as it is: the kernels copied
    every cell of every text column, about a second of a million-row import's reading."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    if all(_untouched(c) for c in chunks):
        return col
    s = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(s, pa.scalar("", s.type)), pa.scalar(None, s.type), s)


def _byte_table(values: list[int]) -> np.ndarray:
    """A lookup table of 256 flags, set for the byte values given."""
    table = np.zeros(256, dtype=bool)
    table[values] = True
    return table


#: the bytes that may begin, and end, a cell starting or ending with whitespace as utf8_trim_whitespace sees it
#: (ASCII 9-13 and 28-32; U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000): their
#: lead bytes, and their last bytes; a superset, checked by test
_ASCII_WS = [*range(9, 14), *range(28, 33)]
_FIRST_WS = _byte_table([*_ASCII_WS, 0xC2, 0xE1, 0xE2, 0xE3])
_LAST_WS = _byte_table([*_ASCII_WS, *range(0x80, 0x8B), 0x9F, 0xA0, 0xA8, 0xA9, 0xAF])


def text_offsets(chunk: pa.Array) -> np.ndarray:
    """The len + 1 offsets of a text chunk's cells into its data buffer (int32 for string, int64 for
    large_string), from its own first cell: read in place, no copy."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    return np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]


def _untouched(chunk: pa.Array) -> bool:
    """True when trimmed() would give chunk back unchanged: no empty cell that is not missing, and no cell
    whose first or last byte may be whitespace (_FIRST_WS, _LAST_WS; a false alarm only costs the kernels).
    Read from the offsets and data buffers: two byte lookups per cell instead of two copies of the column."""
    n = len(chunk)
    if n == 0:
        return True
    if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
        return False
    offsets = text_offsets(chunk)
    full = offsets[1:] != offsets[:-1]
    if not full.all():  # empty cells: each must be missing (a blank present cell becomes missing)
        if chunk.null_count == 0 or (~full & chunk.is_valid().to_numpy(zero_copy_only=False)).any():
            return False
        if not full.any():
            return True
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
    starts, ends = offsets[:-1][full], offsets[1:][full] - 1
    return not (_FIRST_WS[data[starts]].any() or _LAST_WS[data[ends]].any())


def group_codes(*columns: pd.Series) -> np.ndarray:
    """One integer per row for its combination of values across the columns (missing values equal to each
    other, as groupby(dropna=False), drop_duplicates and merge treat them), numbered in order of first
    appearance: each column factorized and the codes folded (joint_codes), with no Python tuple per row."""
    return joint_codes(*(pd.factorize(col, use_na_sentinel=False)[0] for col in columns))


def joint_codes(*codes: np.ndarray) -> np.ndarray:
    """group_codes of integer code columns (each -1 and up; -1, a missing value, is a value of its own): one
    integer per row for its combination, numbered 0, 1, ... in order of first appearance. The codes are folded
    into one int64 (code * span of the next + next) while the product of their spans fits, numbered afresh
    (factorize) only when the next fold would not fit, and at the end: one hash of a million rows in the usual
    case, never an overflow."""
    joint, span = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64), 1
    for code in codes:
        radix = int(code.max(initial=-1)) + 2
        if float(span) * radix >= 2.0 ** 62:
            joint = pd.factorize(joint)[0].astype(np.int64)
            span = int(joint.max(initial=-1)) + 1
        joint = joint * radix + (np.asarray(code, dtype=np.int64) + 1)
        span *= radix
    return pd.factorize(joint)[0].astype(np.int64)


def first_of_codes(codes: np.ndarray) -> np.ndarray:
    """The row where each code first appears, for codes numbered 0, 1, ... in order of first appearance
    (arrow_lookup.group_codes): a code above every code before it. One pass, no sort."""
    if not len(codes):
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, codes[1:] > np.maximum.accumulate(codes)[:-1]])


def lex_order(*keys: np.ndarray) -> np.ndarray:
    """np.lexsort(keys[::-1]) (the first key the most significant; ties in row order) of non-negative integer
    keys: packed into one integer and sorted once when they fit (a million rows: one sort, not one per key)."""
    if not len(keys) or not len(keys[0]):
        return np.empty(0, dtype=np.int64)
    sizes, n = [int(k.max()) + 1 for k in keys], len(keys[0])
    if np.prod([float(s) for s in sizes]) >= 2.0 ** 62:
        return np.lexsort(keys[::-1])
    packed = np.zeros(n, dtype=np.int64)
    for k, size in zip(keys, sizes, strict=True):
        packed = packed * size + k.astype(np.int64, copy=False)  # unsigned keys too: integers, not floats
    if np.prod([float(s) for s in sizes]) * n < 2.0 ** 62:
        # the row as the last digit: keys unique, so numpy's vectorised sort of the values (5-15x faster than a
        # stable argsort of random keys) gives the same order, and the rows are the last digit of the values
        return np.sort(packed * n + np.arange(n)) % n
    order = np.argsort(packed)  # vectorised but not stable: the same order when no key is there twice
    if not len(order) or not (packed[order[1:]] == packed[order[:-1]]).any():
        return order
    return np.argsort(packed, kind="stable")


def runs(*sorted_codes: np.ndarray) -> np.ndarray:
    """Rows sorted on these codes: each row's run of equal codes, numbered 0, 1, ... in order (what group_codes
    numbers by first appearance, without hashing again)."""
    if not len(sorted_codes) or not len(sorted_codes[0]):
        return np.empty(0, dtype=np.int64)
    change = np.zeros(len(sorted_codes[0]), dtype=bool)
    for k in sorted_codes:
        change[1:] |= k[1:] != k[:-1]
    return np.cumsum(change).astype(np.int64)

