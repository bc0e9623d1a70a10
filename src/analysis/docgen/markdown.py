"""Markdown for the generated parts of docs/: tables, and sections between a pair of marker comments."""

from __future__ import annotations


def cell(value: object) -> str:
    """One table cell: whitespace folded, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[object]]) -> list[str]:
    """The lines of a markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]


def _check(text: str, begin: str, end: str) -> None:
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f"expected exactly one {begin} ... {end} pair, in that order")


def section(text: str, begin: str, end: str) -> str:
    """The text between the markers (without the newline after begin and before end)."""
    _check(text, begin, end)
    return text[text.index(begin) + len(begin):text.index(end)].removeprefix("\n").removesuffix("\n")


def replace_section(text: str, begin: str, end: str, body: str) -> str:
    """text with everything between the markers replaced by body, on lines of its own."""
    _check(text, begin, end)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body.removesuffix(chr(10))}\n{end}{tail}"


def update_file(path, begin: str, end: str, body: str) -> bool:
    """Replace the section in the file at path; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    new = replace_section(text, begin, end, body)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
