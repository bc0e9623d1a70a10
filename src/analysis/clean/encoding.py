"""Decide a raw file's encoding from evidence: UTF-8 unless the file as a whole is better read as cp1251.

A file that is not valid UTF-8 is read as cp1251 only when its non-ASCII bytes look like cp1251 Cyrillic
words and hardly any of them form valid UTF-8 characters; the reader's note says so, with the counts. A
UTF-8 file with a stray invalid byte is an error naming the line and the byte, never silently re-decoded.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from analysis.clean.errors import CleanError

BOM = b"\xef\xbb\xbf"
#: one well-formed UTF-8 character of two to four bytes (RFC 3629, no surrogates, no overlongs)
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")
#: cp1251 Cyrillic letters (А-я, Ё ё Є є І і Ї ї Ґ ґ Ў ў), in runs of two or more: words, not a stray byte
_CP1251_WORD = re.compile(rb"[\xc0-\xff\xa8\xb8\xaa\xba\xb2\xb3\xaf\xbf\xa5\xb4\xa1\xa2]{2,}")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def decode(data: bytes, file: str) -> tuple[str, str, str]:
    """(text, encoding, why). Raises CleanError at the first invalid byte of a file that is UTF-8."""
    body = data[len(BOM):] if data.startswith(BOM) else data
    try:
        return body.decode("utf-8"), "utf-8", ""
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    non_ascii = len(_NON_ASCII.findall(body))
    in_utf8 = sum(len(m) for m in _UTF8_MULTI.findall(body))
    in_words = sum(len(m) for m in _CP1251_WORD.findall(body))
    if not data.startswith(BOM) and in_utf8 <= 0.05 * non_ascii and in_words >= 0.8 * non_ascii:
        text = body.decode("cp1251", errors="strict") if b"\x98" not in body else None
        if text is not None and "\x00" not in text:
            return text, "cp1251", (f"not UTF-8, and {in_words:,} of its {non_ascii:,} non-ASCII bytes are "
                                    f"Cyrillic words in cp1251 ({in_utf8:,} bytes form UTF-8 characters)")
    raise invalid_byte(body, first_bad, file, in_utf8, non_ascii)


def invalid_byte(body: bytes, at: int, file: str, in_utf8: int, non_ascii: int) -> CleanError:
    """The error for the invalid UTF-8 byte at offset `at` of `body`: its line, its place in the line."""
    line = body.count(b"\n", 0, at) + 1
    start = body.rfind(b"\n", 0, at) + 1
    end = body.find(b"\n", at)
    text = body[start:end if end >= 0 else len(body)].rstrip(b"\r")
    lo = max(0, at - start - 30)
    shown = text[lo:at - start + 30].decode("utf-8", errors="backslashreplace")
    return CleanError(file, line, None, shown,
                      f"UTF-8 text: byte 0x{body[at]:02X} at byte {at - start + 1} of the line is not UTF-8, while "
                      f"{in_utf8:,} of the file's {non_ascii:,} non-ASCII bytes are UTF-8 characters (so the file "
                      "is not cp1251 either); fix that byte or save the file as UTF-8")


def first_invalid(fh: BinaryIO, file: str, chunk: int = 1 << 22) -> CleanError | None:
    """Scan a (large) file for its first invalid UTF-8 byte without reading it whole: the error, or None."""
    carry, line, tail = b"", 1, b""  # tail: the start of the current line, read in earlier blocks
    while True:
        block = fh.read(chunk)
        buf = carry + block
        try:
            buf.decode("utf-8")
            carry = b""
        except UnicodeDecodeError as exc:
            if block and exc.reason == "unexpected end of data":
                carry, buf = buf[exc.start:], buf[:exc.start]
            else:
                nl = buf.rfind(b"\n", 0, exc.start)
                text = buf[nl + 1:] if nl >= 0 else tail + buf
                at = exc.start - (nl + 1) if nl >= 0 else len(tail) + exc.start
                err = invalid_byte(text, at, file, 0, 0)
                return CleanError(file, line + buf.count(b"\n", 0, exc.start), None, err.value,
                                  f"UTF-8 text: byte 0x{text[at]:02X} at byte {at + 1} of the line is not UTF-8; "
                                  "fix that byte or save the file as UTF-8")
        nl = buf.rfind(b"\n")
        tail = buf[nl + 1:] if nl >= 0 else tail + buf
        line += buf.count(b"\n")
        if not block:
            return None
