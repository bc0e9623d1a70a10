"""The pre-check of checks.safe_text (Arrow's regex kernel) agrees with the regex it stands in for, character by
character."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analysis.clean import checks

SAMPLES = ["plain", "Харків — «так»", "tab\there", "line\nbreak", "cr\rhere", "café", "€5", "emoji 🙂",
           "a\u202eb", "x\x00", "\u200b", "\ufeffx", "\u0085", "a\u061cb", "\u2066", "\u2069", "\u200f", "\x7f",
           "\ufff9", "\u2028", "\u00a0", "\u2011", "\ufeff"]


@pytest.mark.parametrize("text", SAMPLES)
def test_pre_check_never_misses_what_the_regex_rejects(text):
    unsafe = bool(checks.UNSAFE_TEXT.search(text))
    clearly_safe = checks._clearly_safe(pd.Series(["ok", text, None], dtype="str"))
    assert not (unsafe and clearly_safe), repr(text)
    if not unsafe and text not in ("\u2028",):
        assert clearly_safe, repr(text)


def test_every_unsafe_code_point_is_caught_by_the_pre_check():
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if checks.UNSAFE_TEXT.fullmatch(ch):
            assert not checks._clearly_safe(pd.Series([f"a{ch}b"], dtype="str")), hex(cp)


def test_pre_check_looks_at_every_lead_byte_of_a_column():
    """A column whose cells hold safe sequences with the same lead bytes as unsafe ones (an em dash, a
    no-break space, a curly quote) is clearly safe until one cell holds an unsafe character, wherever it is."""
    safe = ["Харків — «так»", "a\u00a0b", "Kam\u2019ianka", "x\u2028y", "€5"] * 3
    assert checks._clearly_safe(pd.Series(safe, dtype="str"))
    for bad in ("\u0085", "a\u061cb", "\u200b", "\u2066", "\ufeff", "\ufffb", "\x01"):
        for at in (0, 7, len(safe)):
            cells = [*safe[:at], bad, *safe[at:]]
            assert not checks._clearly_safe(pd.Series(cells, dtype="str")), (repr(bad), at)


def test_the_arrow_pattern_matches_exactly_the_code_points_of_the_python_one():
    """_UNSAFE_RE2 (RE2's syntax, made from UNSAFE_TEXT) and UNSAFE_TEXT agree on every code point, alone and
    between other characters."""
    points = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    cells = pa.array([f"a{chr(cp)}b" for cp in points], pa.large_string())
    arrow = pc.match_substring_regex(cells, checks._UNSAFE_RE2).to_numpy(zero_copy_only=False)
    python = [bool(checks.UNSAFE_TEXT.search(chr(cp))) for cp in points]
    assert arrow.tolist() == python


def test_the_printable_ascii_shortcut_passes_no_unsafe_code_point():
    """_one_cell_safe passes a chunk at once when all its bytes are printable ASCII (0x20-0x7E), without the
    regex: no code point whose UTF-8 bytes are all in that range is UNSAFE_TEXT, and a chunk with any other byte
    goes to the regex (whose agreement with UNSAFE_TEXT is checked above)."""
    for cp in range(0x110000):
        if not 0xD800 <= cp <= 0xDFFF and all(0x20 <= b <= 0x7E for b in chr(cp).encode()):
            assert not checks.UNSAFE_TEXT.search(chr(cp)), hex(cp)
    for bad in ("\x00", "\x1f", "\x7f", "\u0085", "\u200b", "\u202e", "\ufeff", "\t"):
        cell = pa.array([f"plain ascii {bad} text"], pa.large_string())
        assert checks._bytes_safe(cell) == (not checks.UNSAFE_TEXT.search(bad)), repr(bad)
    assert checks._bytes_safe(pa.array(["plain ascii ~ text", "\u00e9t\u00e9 \u2013 ok"], pa.large_string()))


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_pre_check_reads_only_the_cells_of_a_slice(kind):
    """The one-cell view of a chunk (_as_one_cell) spans its own cells' bytes: an unsafe character just outside a
    slice does not count, one inside does; chunks of missing or empty cells are safe."""
    arr = pa.array(["a\u202eb", "ok", "fine", "x\x00"], kind)
    assert checks._bytes_safe(arr.slice(1, 2))
    assert not checks._bytes_safe(arr.slice(0, 2)) and not checks._bytes_safe(arr.slice(2, 2))
    assert checks._bytes_safe(pa.chunked_array([arr.slice(1, 1), arr.slice(2, 1)]))
    assert not checks._bytes_safe(pa.chunked_array([arr.slice(1, 1), arr.slice(3, 1)]))
    assert checks._bytes_safe(pa.array([None, None], kind)) and checks._bytes_safe(pa.array(["", None], kind))
    assert checks._bytes_safe(pa.chunked_array([], kind))


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_repeated_is_duplicated_keep_false(dtype):
    """checks._repeated (the candidates same_report_twice compares) is df.duplicated(cols, keep=False): missing
    cells equal to each other, across several columns."""
    df = pd.DataFrame({"a": ["x", "x", None, None, "y", "x"], "b": ["1", "1", None, None, "1", "2"],
                       "c": ["p", "p", "q", "q", None, "p"]}, dtype=dtype)
    for cols in (["a"], ["a", "b"], ["a", "b", "c"]):
        assert checks._repeated(df, cols).tolist() == df.duplicated(cols, keep=False).tolist()
    assert checks._repeated(df.iloc[:0], ["a", "b"]).tolist() == []
