"""Shared fixtures: a tiny, valid raw folder that tests mutate one cell or file at a time, the environment
for running `python -m analysis` as a subprocess, and one clean of the shipped raw data per session."""

from __future__ import annotations

import copy
import csv
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"

#: header and rows of every raw table; every row is valid and every row is kept by a clean
RAW: dict[str, dict] = {
    "gazetteer": {
        "header": ["place_id", "geonames_id", "name", "name_uk", "name_ru", "variants", "place_type", "raion",
                   "oblast", "latitude", "longitude", "geo_prec", "coord_source"],
        "rows": [
            ["gn:703656", "703656", "Kupiansk", "Куп’янськ", "Купьянск", "Kupyansk;Kup'yansk;Купянск", "town",
             "Kupiansk", "Kharkiv", "49.71003", "37.61581", "1", "GeoNames cities500"],
            ["gn:710374", "710374", "Chuhuiv", "Чугуїв", "Чугуев", "Chuguev;Chuhuyiv", "town", "Chuhuiv",
             "Kharkiv", "49.83538", "36.68650", "1", "GeoNames cities500"],
            # not cited by any other table: gazetteer cases mutate this row without knock-on rejects
            ["gn:712451", "712451", "Balakliia", "Балаклія", "Балаклея", "Balakleya;Balakliya", "town", "Izium",
             "Kharkiv", "49.46230", "36.85944", "1", "GeoNames cities500"],
            ["oskil:oblast-kharkiv", "", "Kharkiv oblast", "Харківська область", "Харьковская область",
             "Kharkiv region;Kharkivska oblast;Харківщина", "oblast", "", "Kharkiv", "49.98177", "36.25475", "4",
             "administrative centre Kharkiv"],
        ],
    },
    "sources": {
        "header": ["source_id", "url", "outlet", "title", "published", "date_basis", "language", "source_type",
                   "retrospective", "accessed", "notes"],
        "rows": [
            ["src_0000000001", "https://example.org/news/1", "Example News", "Shelling in Kupiansk", "2022-09-19",
             "page", "en", "news_outlet", "no", "2026-11-25", ""],
            ["src_0000000002", "https://example.org/news/2", "Укрінформ", "Обстріл Чугуєва", "2022-09-20", "page",
             "uk", "news_agency", "no", "", ""],
            ["src_0000000003", "https://example.org/news/3", "Example Wire", "", "2022-09-21", "inferred", "en",
             "aggregator", "no", "", "date from the text"],
            # not cited by any other table: source cases mutate this row
            ["src_0000000004", "https://example.org/news/4", "Spare Outlet", "", "2022-09-22", "page", "en",
             "news_outlet", "yes", "", ""],
        ],
    },
    "events": {
        "header": ["event_id", "source_id", "date_reported", "time_reported", "place_reported", "raion_reported",
                   "oblast_reported", "event_type", "weapon", "weapon_detail", "target_type", "damage", "actor",
                   "claim_by", "claimant", "confirmed", "coder_note"],
        "rows": [
            ["EV-0001", "src_0000000001", "on Sunday", "22:52", "Kupiansk", "", "Kharkiv region", "shelling",
             "artillery", "", "residential", "houses damaged", "Russia", "regional_admin", "Oleh Syniehubov",
             "unknown", "first report"],
            ["EV-0002", "src_0000000002", "18 вересня", "", "Chuhuiv", "", "", "missile_strike", "missile",
             "S-300", "infrastructure;energy", "substation hit", "Russia", "regional_admin", "Oleh Syniehubov",
             "no", ""],
            ["EV-0003", "src_0000000003", "yesterday", "night", "Kup'yansk", "", "", "shelling", "mlrs", "Grad",
             "residential", "", "Russia", "media", "", "unknown", ""],
        ],
    },
    "casualties": {
        "header": ["casualty_id", "source_id", "event_id", "date_reported", "place_reported", "raion_reported",
                   "oblast_reported", "killed", "injured", "victim_group", "children_killed", "children_injured",
                   "sex", "ages", "cause", "figure_type", "claim_by", "claimant", "confirmed", "coder_note"],
        "rows": [
            ["CA-0001", "src_0000000001", "EV-0001", "on Sunday", "Kupiansk", "", "", "two", "about 5", "civilian",
             "", "", "", "", "shelling", "new", "regional_admin", "Oleh Syniehubov", "unknown", ""],
            ["CA-0002", "src_0000000002", "EV-0002", "18 вересня", "Chuhuiv", "", "", "", "3", "civilian", "", "1",
             "", "", "missile_strike", "new", "regional_admin", "Oleh Syniehubov", "unknown", ""],
            ["CA-0003", "src_0000000003", "", "yesterday", "Kupiansk", "", "", "more than 10", "", "civilian", "",
             "", "", "", "shelling", "new", "media", "", "unknown", ""],
        ],
    },
    "statements": {
        "header": ["statement_id", "source_id", "date_reported", "speaker", "role", "affiliation", "country",
                   "channel", "topic", "stance", "summary", "claim_by", "confirmed", "coder_note"],
        "rows": [
            ["ST-0001", "src_0000000001", "on Sunday", "Mykhailo Podolyak", "adviser", "Office of the President",
             "UA", "telegram", "negotiations;war_end", "conditional", "Talks only after Russian troops leave.",
             "media", "unknown", ""],
            ["ST-0002", "src_0000000002", "", "Dmitry Peskov", "press secretary", "Kremlin", "RU", "briefing",
             "negotiations", "rejects", "No talks now.", "media", "unknown", ""],
        ],
    },
    "control": {
        "header": ["claim_id", "source_id", "date_reported", "place_reported", "raion_reported", "oblast_reported",
                   "claim", "side", "claimant", "claim_by", "confirmed", "coder_note"],
        "rows": [
            ["CL-0001", "src_0000000001", "on Sunday", "Kupiansk", "", "", "holds", "ua", "Armed Forces of Ukraine",
             "ua_official", "unknown", ""],
            ["CL-0002", "src_0000000003", "yesterday", "Chuhuiv", "", "", "took", "ua", "General Staff",
             "ua_official", "unknown", ""],
        ],
    },
    "tallies": {
        "header": ["tally_id", "source_id", "date_reported", "period", "place_reported", "raion_reported",
                   "oblast_reported", "settlements_shelled", "killed", "injured", "claim_by", "claimant",
                   "confirmed", "coder_note"],
        "rows": [
            ["TA-0001", "src_0000000001", "over the past day", "over the past day", "", "", "Kharkiv Oblast",
             "dozens", "4", "Ten", "regional_admin", "Oleh Syniehubov", "unknown", ""],
            ["TA-0002", "src_0000000002", "", "", "", "", "Харківщина", "", "1", "four", "regional_admin",
             "Oleh Syniehubov", "unknown", ""],
        ],
    },
    "links": {
        "header": ["link_id", "action", "ids", "reason", "source_id", "coder_note"],
        "rows": [
            ["LK-0001", "merge", "EV-0001;EV-0003", "The two reports describe one night's shelling.",
             "src_0000000003", ""],
        ],
    },
}


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


class RawDir:
    """A raw folder under construction: edit tables in memory, then write() them as CSV files."""

    def __init__(self, path: Path):
        self.path = path
        self.tables = copy.deepcopy(RAW)
        self.overrides: dict[str, bytes] = {}

    def header(self, table: str) -> list[str]:
        return self.tables[table]["header"]

    def rows(self, table: str) -> list[list[str]]:
        return self.tables[table]["rows"]

    def row(self, table: str, row_id: str) -> list[str]:
        """The last row with this id (a duplicate added by a test, where there are two)."""
        return next(r for r in reversed(self.rows(table)) if r[0] == row_id)

    def set(self, table: str, row_id: str, column: str, value: str) -> RawDir:
        self.row(table, row_id)[self.header(table).index(column)] = value
        return self

    def get(self, table: str, row_id: str, column: str) -> str:
        return self.row(table, row_id)[self.header(table).index(column)]

    def add(self, table: str, row: list[str]) -> RawDir:
        self.rows(table).append(list(row))
        return self

    def copy_row(self, table: str, row_id: str, new_id: str) -> RawDir:
        return self.add(table, [new_id, *self.row(table, row_id)[1:]])

    def text(self, table: str, delimiter: str = ",", newline: str = "\n") -> str:
        t = self.tables[table]
        return csv_text(t["header"], t["rows"], delimiter, newline)

    def write(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        for name in self.tables:
            data = self.overrides.get(name)
            if data is None:
                data = self.text(name).encode("utf-8")
            (self.path / f"{name}.csv").write_bytes(data)
        return self.path


@pytest.fixture
def raw(tmp_path: Path) -> RawDir:
    """A valid raw folder (not yet written) in tmp_path/raw."""
    return RawDir(tmp_path / "raw")


@pytest.fixture(scope="session")
def make_raw() -> Callable[[Path], RawDir]:
    return RawDir


@pytest.fixture(scope="session")
def subprocess_env() -> dict[str, str]:
    """Environment for `python -m analysis` in a subprocess: the package from src/."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONHASHSEED"] = "0"
    return env


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/raw cleaned into a private folder, once per session (tests only read it), so no test depends on a
    developer's data/processed."""
    from analysis.clean.pipeline import clean

    out = tmp_path_factory.mktemp("processed")
    clean(REPO / "data" / "raw", out)
    return out


@pytest.fixture(scope="session")
def gaz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A processed folder holding only the importer fixtures' gazetteer (what `import --gazetteer` reads),
    shared by the importer tests and the Dask import tests."""
    from analysis.clean import tables
    from analysis.clean.errors import Rejects
    from analysis.clean.read import read_raw
    from analysis.clean.write import write_manifest, write_table
    from analysis.registry.schema import TABLES

    out = tmp_path_factory.mktemp("gazetteer")
    rej = Rejects("gazetteer", "gazetteer.csv")
    gaz = tables.gazetteer(read_raw(REPO / "tests" / "importers" / "fixtures" / "gazetteer.csv",
                                    TABLES["gazetteer"]).frame, rej)
    assert rej.frame().empty and len(gaz) == 13
    write_manifest(out, write_table(gaz, out, "gazetteer"), {"rows": {"gazetteer": len(gaz)}})
    return out
