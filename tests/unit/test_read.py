"""read.read_raw: raw CSVs as coders and spreadsheets write them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.clean.errors import CleanError
from analysis.clean.read import read_raw
from analysis.registry.schema import SOURCES

HDR = "source_id,url,outlet,title,published,date_basis,language,source_type,retrospective,accessed,notes"
R1 = "src_1,https://a.example/1,Outlet A,Title,2022-09-19,page,en,news_outlet,no,2026-11-25,"
R2 = 'src_2,https://a.example/2,Укрінформ,"Обстріл\nХаркова",2022-09-20,page,uk,news_agency,no,,"note, with comma"'
R3 = "src_3,https://a.example/3,Outlet C,,2022-09-21,page,en,news_outlet,,,"


def read(tmp_path: Path, data: bytes | str, name: str = "sources.csv"):
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return read_raw(p, SOURCES)


def test_plain_file_is_read_as_strings_with_raw_lines(tmp_path):
    rf = read(tmp_path, "\n".join([HDR, R1, R3]) + "\n")
    assert (rf.encoding, rf.delimiter, rf.ignored_columns) == ("utf-8", ",", [])
    want = pd.DataFrame({c: pd.Series([None, None], dtype="str") for c in SOURCES.raw_columns})
    want["source_id"] = pd.Series(["src_1", "src_3"], dtype="str")
    want["url"] = pd.Series(["https://a.example/1", "https://a.example/3"], dtype="str")
    want["outlet"] = pd.Series(["Outlet A", "Outlet C"], dtype="str")
    want["title"] = pd.Series(["Title", None], dtype="str")
    want["published"] = pd.Series(["2022-09-19", "2022-09-21"], dtype="str")
    want["date_basis"] = pd.Series(["page", "page"], dtype="str")
    want["language"] = pd.Series(["en", "en"], dtype="str")
    want["source_type"] = pd.Series(["news_outlet", "news_outlet"], dtype="str")
    want["retrospective"] = pd.Series(["no", None], dtype="str")
    want["accessed"] = pd.Series(["2026-11-25", None], dtype="str")
    want["raw_line"] = pd.Series([2, 3], dtype="int64")
    pd.testing.assert_frame_equal(rf.frame, want, check_dtype=False)
    assert all(pd.api.types.is_string_dtype(rf.frame[c]) for c in SOURCES.raw_columns)


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    rf = read(tmp_path, b"\xef\xbb\xbf" + (HDR + "\n" + R1 + "\n").encode())
    assert rf.frame["source_id"].tolist() == ["src_1"]
    assert rf.ignored_columns == []


def test_cp1251_is_decoded(tmp_path):
    rf = read(tmp_path, (HDR + "\n" + R2 + "\n").encode("cp1251"))
    assert rf.encoding == "cp1251"
    assert rf.frame["outlet"].tolist() == ["Укрінформ"]
    assert rf.frame["title"].tolist() == ["Обстріл\nХаркова"]


def test_crlf_line_ends(tmp_path):
    rf = read(tmp_path, "\r\n".join([HDR, R1, R3]) + "\r\n")
    assert rf.frame["source_id"].tolist() == ["src_1", "src_3"]
    assert rf.frame["notes"].isna().all()  # no stray '\r' left in the last cell
    assert rf.frame["raw_line"].tolist() == [2, 3]


@pytest.mark.parametrize("delim", [";", "\t"])
def test_semicolon_and_tab_separated(tmp_path, delim):
    rf = read(tmp_path, "\n".join(x.replace(",", delim) for x in (HDR, R1, R3)) + "\n")
    assert rf.delimiter == delim
    assert rf.frame["outlet"].tolist() == ["Outlet A", "Outlet C"]
    assert rf.frame["published"].tolist() == ["2022-09-19", "2022-09-21"]


def test_quoted_newlines_stay_in_the_cell_and_lines_count_physical_lines(tmp_path):
    rf = read(tmp_path, "\n".join([HDR, R2, R1, R2, R3]) + "\n")
    assert rf.frame["title"].tolist()[:3] == ["Обстріл\nХаркова", "Title", "Обстріл\nХаркова"]
    assert pd.isna(rf.frame["title"].iloc[3])
    assert rf.frame["notes"].tolist()[0] == "note, with comma"
    assert rf.frame["raw_line"].tolist() == [2, 4, 5, 7]


def test_blank_lines_are_skipped_and_lines_still_count(tmp_path):
    rf = read(tmp_path, "\n".join([HDR, "", R1, "", "", R2, R3, ""]) + "\n")
    assert rf.frame["source_id"].tolist() == ["src_1", "src_2", "src_3"]
    assert rf.frame["raw_line"].tolist() == [3, 6, 8]


def test_header_only_gives_no_rows_but_every_column(tmp_path):
    for data in (HDR, HDR + "\n", HDR + "\r\n"):
        rf = read(tmp_path, data)
        assert len(rf.frame) == 0
        assert list(rf.frame.columns) == [*SOURCES.raw_columns, "raw_line"]


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\r\n"])
def test_empty_file_is_fatal(tmp_path, data):
    with pytest.raises(CleanError) as e:
        read(tmp_path, data)
    assert e.value.file == "sources.csv" and e.value.line == 1
    assert "header row" in str(e.value) and "source_id" in str(e.value)


def test_headers_in_other_case_and_with_spaces(tmp_path):
    hdr = HDR.upper().replace("SOURCE_ID", " Source ID ").replace("DATE_BASIS", "Date-Basis")
    rf = read(tmp_path, hdr + "\n" + R1 + "\n")
    assert rf.ignored_columns == []
    assert rf.frame.loc[0, "source_id"] == "src_1"
    assert rf.frame.loc[0, "date_basis"] == "page"


def test_aliases(tmp_path):
    rf = read(tmp_path, HDR.replace("published", "Publication Date").replace("source_id", "source") + "\n" + R1)
    assert rf.frame.loc[0, "published"] == "2022-09-19"
    assert rf.frame.loc[0, "source_id"] == "src_1"
    assert rf.ignored_columns == []


def test_missing_required_column_is_fatal_and_names_file_line_column(tmp_path):
    hdr = HDR.replace("outlet,", "")
    row = R1.replace("Outlet A,", "")
    with pytest.raises(CleanError) as e:
        read(tmp_path, hdr + "\n" + row + "\n")
    assert (e.value.file, e.value.line, e.value.column) == ("sources.csv", 1, "outlet")
    assert str(e.value).startswith("sources.csv, line 1, column 'outlet'")


def test_missing_optional_column_is_empty(tmp_path):
    rf = read(tmp_path, HDR.replace(",notes", "") + "\n" + R1[:-1] + "\n")
    assert "notes" in rf.frame.columns and rf.frame["notes"].isna().all()


def test_duplicate_column_is_fatal(tmp_path):
    with pytest.raises(CleanError) as e:
        read(tmp_path, HDR + ",Source ID\n" + R1 + ",x\n")
    assert e.value.line == 1 and "duplicate of 'source_id'" in str(e.value)


def test_extra_columns_are_ignored_and_reported(tmp_path):
    rf = read(tmp_path, HDR + ",Extra Col,second_extra\n" + R1 + ",zzz,yyy\n")
    assert rf.ignored_columns == ["extra_col", "second_extra"]
    assert list(rf.frame.columns) == [*SOURCES.raw_columns, "raw_line"]
    assert rf.frame.loc[0, "outlet"] == "Outlet A"


def test_ragged_rows_are_set_aside_with_their_line(tmp_path):
    rf = read(tmp_path, "\n".join([HDR, R1, R1.replace("src_1", "src_x") + ",extra", R2, "src_4,short", R3]) + "\n")
    assert rf.frame["source_id"].tolist() == ["src_1", "src_2", "src_3"]
    assert rf.frame["raw_line"].tolist() == [2, 4, 7]  # R2 spans lines 4-5
    assert rf.ragged["raw_line"].tolist() == [3, 6]
    assert rf.ragged["n_cells"].tolist() == [12, 2]
    assert rf.ragged["value"].tolist()[1] == "src_4,short"
    assert rf.ragged.attrs["expected"] == 11


def test_cells_are_stripped_and_blank_cells_are_missing(tmp_path):
    rf = read(tmp_path, HDR + "\n" + R1.replace("Outlet A", "  Outlet A  ").replace("Title", "   ") + "\n")
    assert rf.frame.loc[0, "outlet"] == "Outlet A"
    assert pd.isna(rf.frame.loc[0, "title"])


def test_cells_stay_text_exactly_as_written(tmp_path):
    """No type guessing: '007', '1e3' and '2,5' are kept as the coder wrote them."""
    from analysis.clean.read import read_raw
    from analysis.registry.schema import EVENTS

    path = tmp_path / "events.csv"
    path.write_text("event_id,source_id,event_type,coder_note\nEV-1,src_a,shelling,007\n"
                    'EV-2,src_a,shelling,1e3\nEV-3,src_a,shelling,"2,5"\n', encoding="utf-8")
    frame = read_raw(path, EVENTS).frame
    assert frame["coder_note"].tolist() == ["007", "1e3", "2,5"]
