"""Cutting raw CSVs into blocks of whole records from scans of ranges that know nothing of what precedes them,
and parsing an export block by block as the streamed import parses it whole."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.clean import blocks
from analysis.importers.stream import Stream, ragged_frame


def record_ends(data: bytes) -> list[tuple[int, int]]:
    """(offset just after, newlines up to it) of every newline outside quotes, found from the start."""
    out, quotes, lines = [], 0, 0
    for i, b in enumerate(data):
        quotes += b == ord('"')
        if b == ord("\n"):
            lines += 1
            if quotes % 2 == 0:
                out.append((i + 1, lines))
    return out


def cut(data: bytes, blocksize: int) -> blocks.Plan:
    scans = [blocks.scan_bytes(data[a:b], a) for a, b in blocks.ranges(len(data), blocksize)]
    return blocks.plan("x.csv", len(data), scans, blocksize)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"a", b",", b'"', b'""', b"\n", b"\r\n", b"xyz"]), max_size=80),
       st.integers(1, 12))
def test_blocks_are_whole_records_and_know_their_lines(parts, blocksize):
    data = b"".join(parts)
    plan = cut(data, blocksize)
    ends = record_ends(data)
    if not ends:
        assert (plan.header_end, plan.blocks) == (len(data), [])
        return
    assert (plan.header_end, plan.header_lines) == ends[0]
    starts = {e: n for e, n in ends}
    pieces = [(plan.header_end, plan.header_end)] + [(b.start, b.end) for b in plan.blocks]
    assert [b.start for b in plan.blocks] == sorted({b.start for b in plan.blocks})
    for b in plan.blocks:
        assert b.start in starts and b.lines_before == starts[b.start]  # cut only at record ends
        assert b.end == len(data) or b.end in starts
    if len(data) > plan.header_end:  # the blocks cover the body, end to end
        assert pieces[1][0] == plan.header_end and plan.blocks[-1].end == len(data)
        assert all(a[1] == b[0] for a, b in zip(pieces[1:], pieces[2:], strict=False))


def test_a_scan_needs_nothing_before_its_range():
    data = b'h\n"a\nb"\nc\n'
    s = blocks.scan_bytes(data[3:], 3)  # starts inside a quoted cell
    # even quotes before: the first newline (inside the cell, but the range cannot know) would end a record;
    # odd (the truth): the newline after 'b"'
    assert s.cuts == ((5, 1), (8, 2))


def test_an_export_parsed_in_blocks_is_the_export_streamed(tmp_path):
    rows = ["id,notes,n"]
    for i in range(400):
        rows.append(f'{i},"note {i} says ""hi"",\nand more",{i % 7}')
        if i % 37 == 5:
            rows.append("")
        if i % 53 == 9:
            rows.append("1,2,3,4")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    stream = Stream.open(path, block_size=1 << 12)
    whole = pd.concat(list(stream.batches(["id", "notes", "n"])), ignore_index=True)
    plan = cut(path.read_bytes(), 2000)
    assert len(plan.blocks) > 5
    parts, ragged, before = [], [], 0
    data = path.read_bytes()
    for b in plan.blocks:
        df, rag = stream.block(data[b.start:b.end], ["id", "notes", "n"])
        df["raw_line"] += before
        ragged += [(line + before, text, n) for line, text, n in rag]
        before += len(df) + len(rag)
        parts.append(df)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    pd.testing.assert_frame_equal(ragged_frame(ragged), stream.ragged_frame())
