"""Cut a raw CSV into blocks of whole records, with the scan itself spread over the workers.

A newline ends a record when the number of double quotes before it is even (a quote inside a quoted cell is
doubled, so it does not change the parity). That parity depends on everything before, so one pass from the
start would be needed; instead the file is split into ranges of `blocksize` bytes and each range is scanned
on its own (`scan`, on a worker, which reads only its range): its count of quotes and newlines, and its first
newline that ends a record under either parity of the quotes before the range. The driver adds the counts up
(`plan`) and so knows which of the two is the real record end of every range: the block cuts. It never reads
the file, only the header line. Every block knows how many newlines come before it (its rows' raw_line).
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.clean import storage

_CHUNK = 1 << 20

#: first record end in a range for each parity of the quotes before it: (offset just after it, newlines up to it)
Cut = tuple[int, int] | None


@dataclass(frozen=True)
class Scan:
    """What one range of a file says about itself, without knowing what comes before it."""

    quotes: int
    newlines: int
    cuts: tuple[Cut, Cut]  # [quotes before the range even, odd]


@dataclass(frozen=True)
class Block:
    """Bytes [start, end) of a file: whole records, preceded by `lines_before` newlines."""

    location: str
    start: int
    end: int
    lines_before: int


@dataclass(frozen=True)
class Plan:
    """A file cut into its header and blocks."""

    location: str
    header_end: int  # offset just after the header record
    header_lines: int  # newlines in the header (1, unless a quoted name holds one)
    blocks: list[Block]


def scan_bytes(data: bytes, offset: int) -> Scan:
    """Scan of one range whose first byte is at `offset` in the file."""
    found: list[Cut] = [None, None]
    parity, lines, pos = 0, 0, 0
    while pos < len(data) and (found[0] is None or found[1] is None):
        chunk = data[pos:pos + _CHUNK]
        start = 0
        while (nl := chunk.find(b"\n", start)) >= 0:
            parity ^= chunk.count(b'"', start, nl) & 1
            lines += 1
            # a record ends here if the quotes before the range have the parity that makes the total even
            if found[parity] is None:
                found[parity] = (offset + pos + nl + 1, lines)
            start = nl + 1
            if found[0] is not None and found[1] is not None:
                break
        else:
            parity ^= chunk.count(b'"', start) & 1
        pos += _CHUNK
    return Scan(data.count(b'"'), data.count(b"\n"), (found[0], found[1]))


def scan(location: str, start: int, end: int) -> Scan:
    """Scan of bytes [start, end) of a file, read by whoever runs it (a worker)."""
    return scan_bytes(storage.read(location, start, end), start)


def ranges(size: int, blocksize: int) -> list[tuple[int, int]]:
    return [(a, min(a + blocksize, size)) for a in range(0, size, blocksize)]


def plan(location: str, size: int, scans: list[Scan], blocksize: int) -> Plan:
    """Blocks of whole records from the scans of ranges(size, blocksize), in order."""
    cuts: list[tuple[int, int]] = []
    quotes = lines = 0
    for s in scans:
        cut = s.cuts[quotes & 1]
        if cut is not None:
            cuts.append((cut[0], lines + cut[1]))
        quotes, lines = quotes + s.quotes, lines + s.newlines
    if not cuts:  # a header without a newline, and nothing else
        return Plan(location, size, lines, [])
    (header_end, header_lines), rest = cuts[0], cuts[1:]
    starts = [(header_end, header_lines), *[c for c in rest if c[0] < size]]
    ends = [s for s, _ in starts[1:]] + [size]
    blocks = [Block(location, s, e, n) for (s, n), e in zip(starts, ends, strict=True) if e > s]
    return Plan(location, header_end, header_lines, blocks)


def plan_all(client, locations: list[str], blocksize: int) -> dict[str, Plan]:
    """Plans of several files, their ranges scanned on the cluster all at once."""
    sizes = {loc: storage.size(loc) for loc in locations}
    tasks = [(loc, a, b) for loc in locations for a, b in ranges(sizes[loc], blocksize)]
    futures = client.map(scan, *zip(*tasks, strict=True), pure=False) if tasks else []
    results = iter(client.gather(futures))
    out = {}
    for loc in locations:
        scans = [next(results) for _ in ranges(sizes[loc], blocksize)]
        out[loc] = plan(loc, sizes[loc], scans, blocksize)
    return out
