"""Encodings decided with evidence; the first invalid UTF-8 byte of a large file found block by block."""

from __future__ import annotations

import io

import pytest

from analysis.clean.encoding import decode, first_invalid
from analysis.clean.errors import CleanError

DATA = b"h1,h2\n" + b"a,b\n" * 10 + b"x" * 10 + "Київ".encode() + b"\xff" + b"z\n" + "q,Харків\n".encode()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 22])
def test_the_first_invalid_byte_is_named_the_same_whatever_the_block_size(chunk):
    err = first_invalid(io.BytesIO(DATA), "f.csv", chunk)
    assert err is not None and err.line == 12
    assert "byte 0xFF at byte 19 of the line" in str(err)


def test_a_valid_file_has_no_invalid_byte():
    assert first_invalid(io.BytesIO("a,Харків\n".encode() * 1000), "ok.csv", 5) is None


def test_a_bom_file_is_utf8_and_a_stray_byte_in_it_is_an_error():
    assert decode(b"\xef\xbb\xbfa,b\n1,2\n", "x.csv")[1] == "utf-8"
    with pytest.raises(CleanError, match="line 2"):
        decode(b"\xef\xbb\xbfa,b\n1,\xe0\xef\xf0\n", "x.csv")  # would look like cp1251 words without the BOM
