"""ACLED import: mapped values, rejects, accounting, export variants, batches, and the processed folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from analysis.clean.errors import CleanError
from analysis.clean.validate import integrity, validate
from analysis.importers import acled, common
from analysis.notebook import shelling
from analysis.notebook.load import load
from analysis.registry.schema import PROCESSED_TABLES
from analysis.support.checksum import Digest

FIXTURES = Path(__file__).resolve().parent / "fixtures"

REPO = Path(__file__).resolve().parents[2]
D = pd.Timestamp


def sid(source: str) -> str:
    return "acled_" + hashlib.sha1(source.encode()).hexdigest()[:10]


def test_events_mapped(acled_run):
    _, res = acled_run
    ev = res.tables["events"]
    cols = ["event_id", "source_id", "date_reported", "published", "date_start", "date_end", "date_prec", "date_rule",
            "place_id", "place_match", "oblast", "geo_prec", "event_type", "weapon", "claim_by", "claimant",
            "confirmed", "raw_line"]
    expected = pd.DataFrame({
        "event_id": ["ACLED-UKR1001", "ACLED-UKR1002", "ACLED-UKR1003", "ACLED-UKR1004", "ACLED-UKR1005",
                     "ACLED-UKR1012"],
        "source_id": [sid("Kharkiv Regional Military-Civilian Administration"), sid("Ukrinform"),
                      sid("Kyiv Independent"), sid("Ukrinform"), sid("Donetsk Regional Military Administration; "
                                                                     "Ukrinform"), sid("Suspilne")],
        "date_reported": ["18 September 2022", "2022-09-19", "20 September 2022", "21 September 2022",
                          "22 September 2022", "24 September 2022"],
        "published": [D("2022-09-18"), D("2022-09-19"), D("2022-09-20"), D("2022-09-21"), D("2022-09-22"),
                      D("2022-09-24")],
        # time_precision 1 = the day, 2 = its ISO week (Mon-Sun), 3 = its month
        "date_start": [D("2022-09-18"), D("2022-09-19"), D("2022-09-01"), D("2022-09-21"), D("2022-09-22"),
                       D("2022-09-24")],
        "date_end": [D("2022-09-18"), D("2022-09-25"), D("2022-09-30"), D("2022-09-21"), D("2022-09-22"),
                     D("2022-09-24")],
        "date_prec": [1, 3, 4, 1, 1, 1],
        "date_rule": ["acled_day", "acled_week", "acled_month", "acled_day", "acled_day", "acled_day"],
        "place_id": ["gn:703656", "gn:710374", "acled:kharkiv-kupianskyi-shevchenkove", "gn:713174", "gn:700119",
                     "gn:706448"],
        "place_match": ["exact", "exact", "import", "exact", "exact", "exact"],
        "oblast": ["Kharkiv", "Kharkiv", "Kharkiv", "Donetsk", "Donetsk", "Kherson"],
        "geo_prec": [1, 2, 3, 1, 1, 1],
        "event_type": ["shelling", "air_strike", "remote_explosive", "other", "other", "other"],
        "weapon": ["artillery", "unknown", "landmine", "unknown", "unknown", "unknown"],
        "claim_by": "media", "claimant": "ACLED", "confirmed": "unknown",
        "raw_line": [2, 3, 4, 5, 6, 13],
    })
    for c in ("published", "date_start", "date_end"):
        expected[c] = expected[c].astype("datetime64[s]")
    for c in ("date_prec", "geo_prec", "raw_line"):
        expected[c] = expected[c].astype("Int64")
    for c in expected.columns:
        if expected[c].dtype == object:
            expected[c] = expected[c].astype("str")
    assert_frame_equal(ev[cols], expected)


def test_unmatched_place_keeps_export_coordinates(acled_run):
    _, res = acled_run
    e = res.tables["events"].set_index("event_id").loc["ACLED-UKR1003"]
    assert (e["place_name"], e["raion"], e["latitude"], e["longitude"]) == ("Shevchenkove", "Kupianskyi", 49.695,
                                                                            37.173)
    matched = res.tables["events"].set_index("event_id").loc["ACLED-UKR1001"]
    assert (matched["latitude"], matched["longitude"]) == (49.71003, 37.61581)  # the gazetteer's, not ACLED's


def test_other_types_keep_their_acled_name(acled_run):
    _, res = acled_run
    ev = res.tables["events"].set_index("event_id")
    assert ev.loc["ACLED-UKR1004", "coder_note"].startswith("ACLED Battles / Armed clash: On 21 September")
    assert ev.loc["ACLED-UKR1012", "coder_note"].startswith("ACLED Strategic developments / Looting/property")
    assert ev.loc["ACLED-UKR1001", "actor"] == "Military Forces of Russia (2000-)"


def test_casualties_mapped(acled_run):
    _, res = acled_run
    ca = res.tables["casualties"]
    cols = ["casualty_id", "event_id", "killed_reported", "killed_low", "killed_best", "killed_high", "victim_group",
            "cause", "figure_type", "status"]
    expected = pd.DataFrame({
        "casualty_id": ["ACLED-CA-UKR1001", "ACLED-CA-UKR1003", "ACLED-CA-UKR1004", "ACLED-CA-UKR1005"],
        "event_id": ["ACLED-UKR1001", "ACLED-UKR1003", "ACLED-UKR1004", "ACLED-UKR1005"],
        "killed_reported": ["2", "1", "5", "1"],
        "killed_low": [2, 1, 5, 1], "killed_best": [2, 1, 5, 1], "killed_high": [2, 1, 5, 1],
        "victim_group": ["civilian", "unknown", "unknown", "civilian"],
        "cause": ["shelling", "landmine", "other", "other"],
        "figure_type": "new", "status": "current",
    })
    for c in ("killed_low", "killed_best", "killed_high"):
        expected[c] = expected[c].astype("Int64")
    for c in expected.columns:
        if expected[c].dtype == object:
            expected[c] = expected[c].astype("str")
    assert_frame_equal(ca[cols], expected)
    assert ca["injured_best"].isna().all()
    # every casualty row shares its event's incident
    ev = res.tables["events"].set_index("event_id")["incident_id"]
    assert (ca["incident_id"].to_numpy() == ev[ca["event_id"]].to_numpy()).all()


def test_sources_one_per_source_string(acled_run):
    _, res = acled_run
    s = res.tables["sources"].set_index("outlet")
    assert sorted(s.index) == sorted(["Kharkiv Regional Military-Civilian Administration", "Ukrinform",
                                      "Kyiv Independent", "Donetsk Regional Military Administration; Ukrinform",
                                      "Suspilne"])
    assert (s["url"] == acled.URL).all()
    assert s.loc["Ukrinform", "published"] == D("2022-09-19")  # earliest event citing it
    assert s.loc["Ukrinform", "source_type"] == "news_agency"
    assert s.loc["Kharkiv Regional Military-Civilian Administration", "source_type"] == "official_channel"
    assert s.loc["Kyiv Independent", "source_type"] == "news_outlet"
    assert s.loc["Ukrinform", "source_id"] == sid("Ukrinform")
    assert "source_scale: National" in s.loc["Ukrinform", "notes"]


def test_rejects_name_line_column_value_reason(acled_run):
    _, res = acled_run
    r = res.tables["rejects"]
    got = r[["line", "row_id", "column", "value"]].astype("object").where(r[["line", "row_id", "column",
                                                                             "value"]].notna(), None)
    assert got.values.tolist() == [
        [7, "UKR1006", "event_date", "31 February 2022"],
        [8, "UKR1007", "latitude", "55.7500"],
        [9, "UKR1008", "fatalities", "several"],
        [10, "UKR1009", "sub_event_type", "Drone swarm"],
        [11, "UKR1010", "latitude", "36.2548"],
        [12, "UKR1011", "event_date", "1 May 2021"],
        [14, "RUS2001", "country", "Russia"],
        [15, "UKR1001", "event_id_cnty", "UKR1001"],
        [16, None, "(row)", "UKR1014,25 September 2022,2022,1,Political violence,Explosions/Remote violence"],
    ]
    reasons = r["reason"].tolist()
    for i, pattern in enumerate([r"a date such as", r"latitude inside Ukraine", r"whole number of fatalities",
                                 r"sub_event_type from the codebook", r"look swapped", r"on or after 2022-02-24",
                                 r"country Ukraine", r"each event_id_cnty once", r"31 cells per row.*got 6"]):
        assert re.search(pattern, reasons[i]), (i, reasons[i])
    assert (r["table"] == "acled").all() and (r["file"] == "acled_sample.csv").all()


def test_accounting(acled_run):
    out, res = acled_run
    assert (res.read["events"], res.kept["events"], res.rejected["events"]) == (15, 6, 9)
    assert res.read["events"] == res.kept["events"] + res.rejected["events"] == 15
    data_lines = len((FIXTURES / "acled_sample.csv").read_text().splitlines()) - 1
    assert res.read["events"] == data_lines


def test_every_processed_table_written_and_valid(acled_run):
    out, res = acled_run
    names = {t.name for t in PROCESSED_TABLES}
    assert set(res.tables) == names
    for name in names:
        validate(name, res.tables[name])
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    assert integrity(res.tables) == []
    loaded = load(out)  # checks every file against manifest.json
    assert len(loaded["events"]) == 6 and loaded["statements"].empty and loaded["tallies"].empty
    assert len(loaded["gazetteer"]) == 13


def test_shelling_helpers_run_on_the_import(acled_run):
    out, _ = acled_run
    ev = load(out, ("events",))["events"]
    sel = shelling.select(ev, D("2022-09-01"), D("2022-09-30"))
    assert set(sel["event_id"]) == {"ACLED-UKR1001", "ACLED-UKR1002", "ACLED-UKR1003", "ACLED-UKR1004",
                                    "ACLED-UKR1005", "ACLED-UKR1012"}
    assert set(shelling.select(ev, D("2022-09-01"), D("2022-09-30"), weapon="artillery")["event_id"]) == {
        "ACLED-UKR1001"}
    weekly = shelling.over_time(sel, "W", by="event_type")
    assert weekly["incidents"].sum() == 6
    assert not shelling.top_places(sel).empty and not shelling.mix(sel, "weapon").empty


def _mapped(tmp_path, gaz_dir, name, **kw):
    return common.run(acled, FIXTURES / name, tmp_path / name.replace(".csv", ""), gaz_dir, **kw).tables["events"]


def test_semicolon_bom_uppercase_variant_maps_the_same(acled_run, gaz_dir, tmp_path):
    _, res = acled_run
    ev = _mapped(tmp_path, gaz_dir, "acled_semicolon.csv")
    ref = res.tables["events"].set_index("event_id").loc[["ACLED-UKR1001", "ACLED-UKR1002"]]
    got = ev.set_index("event_id")
    drop = ["raw_line", "incident_id"]
    assert_frame_equal(got.drop(columns=drop), ref.drop(columns=drop))


def test_no_timestamp_iso_variant_maps_the_same(acled_run, gaz_dir, tmp_path):
    _, res = acled_run
    ev = _mapped(tmp_path, gaz_dir, "acled_no_timestamp.csv")
    ref = res.tables["events"].set_index("event_id").loc[["ACLED-UKR1003", "ACLED-UKR1004"]]
    got = ev.set_index("event_id")
    assert got["date_reported"].tolist() == ["2022-09-20", "2022-09-21"]
    drop = ["raw_line", "incident_id", "date_reported"]
    assert_frame_equal(got.drop(columns=drop), ref.drop(columns=drop))


def test_small_batches_give_the_same_tables(acled_run, gaz_dir, tmp_path):
    """Many batches: raw_line, ragged rows and ids repeated across batches come out the same."""
    _, res = acled_run
    small = common.run(acled, FIXTURES / "acled_sample.csv", tmp_path / "small", gaz_dir, block_size=600)
    for name in ("events", "casualties", "sources", "rejects", "incidents"):
        assert_frame_equal(small.tables[name], res.tables[name])


def test_missing_required_column_is_fatal(gaz_dir, tmp_path):
    text = (FIXTURES / "acled_sample.csv").read_text().replace("fatalities,", "deaths,", 1)
    (tmp_path / "x.csv").write_text(text)
    with pytest.raises(CleanError, match="missing: fatalities"):
        common.run(acled, tmp_path / "x.csv", tmp_path / "out", gaz_dir)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_cross_table_check_publishes_nothing(gaz_dir, tmp_path, monkeypatch, existing):
    """Events and casualties start writing before the keys are checked across tables: a failure there still
    leaves no --out folder (or the one that was there, untouched) and no temporary file."""
    out = tmp_path / "out"
    if existing:
        common.run(acled, FIXTURES / "acled_sample.csv", out, gaz_dir)
        before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(common, "integrity", lambda tables: ["events: a dangling key"])
    with pytest.raises(AssertionError, match="referential integrity: events: a dangling key"):
        common.run(acled, FIXTURES / "acled_sample.csv", out, gaz_dir)
    if existing:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    else:
        assert not out.exists()


def test_sorted_keys_are_checked_for_repeats_by_comparing_neighbours():
    ids = pd.Series(["ACLED-UKR1", "ACLED-UKR10", "ACLED-UKR2"], dtype="str")
    assert common._distinct(ids)
    assert not common._distinct(pd.Series(["a", "b", "b", "c"], dtype="str"))
    assert not common._distinct(pd.Series(["b", "a", "b"], dtype="str"))  # not sorted: hashed
    assert common._distinct(pd.Series(["b", "a", None], dtype="str"))
    assert not common._distinct(pd.Series([None, "a", None], dtype="str"))


def test_docs_table_matches_the_code():
    doc = (REPO / "docs" / "importers.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \| [^|]+ \| `(\w+)` \| `(\w+)` \| `(\w+)` \|$", doc, flags=re.M)
    assert {r[0]: tuple(r[1:]) for r in rows} == acled.SUB_EVENT_TYPES


def test_cli(gaz_dir, tmp_path, python, subprocess_env):
    out = tmp_path / "cli"
    p = subprocess.run([python, "-m", "analysis", "import", "acled", str(FIXTURES / "acled_sample.csv"), "--out",
                        str(out), "--gazetteer", str(gaz_dir)], capture_output=True, text=True, env=subprocess_env,
                       cwd=REPO)
    assert p.returncode == 0, p.stderr
    assert re.search(r"^events\s+15\s+6\s+9$", p.stdout, flags=re.M), p.stdout
    assert re.search(r"^casualties\s+4\s+4\s+0$", p.stdout, flags=re.M), p.stdout
    assert (out / "manifest.json").is_file()
    bad = subprocess.run([python, "-m", "analysis", "import", "acled", str(tmp_path / "nope.csv"), "--out",
                          str(out), "--gazetteer", str(gaz_dir)], capture_output=True, text=True, env=subprocess_env,
                         cwd=REPO)
    assert bad.returncode == 2 and "nope.csv" in bad.stderr


def test_header_only_and_all_rejected_exports_write_valid_empty_tables(gaz_dir, tmp_path):
    header = (FIXTURES / "acled_sample.csv").read_text().splitlines()[0]
    bad = (FIXTURES / "acled_sample.csv").read_text().splitlines()[6:8]
    for name, lines in (("empty.csv", [header]), ("bad.csv", [header, *bad])):
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        res = common.run(acled, tmp_path / name, tmp_path / name.removesuffix(".csv"), gaz_dir)
        assert res.kept["events"] == 0 and res.read["events"] == len(lines) - 1 == res.rejected["events"]
        assert load(tmp_path / name.removesuffix(".csv"))["events"].empty


def test_refuses_to_overwrite_the_gazetteer_folder(gaz_dir):
    with pytest.raises(CleanError, match="other than the --gazetteer folder"):
        common.run(acled, FIXTURES / "acled_sample.csv", gaz_dir, gaz_dir)


def _export(tmp_path: Path, rows: list[dict]) -> Path:
    """An export of the sample's first row, with the given cells changed per row."""
    import csv

    with open(FIXTURES / "acled_sample.csv", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        base = next(reader)
        header = reader.fieldnames
    path = tmp_path / "export.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        for r in rows:
            w.writerow({**base, **r})
    return path


def test_places_nearest_and_too_far(gaz_dir, tmp_path):
    path = _export(tmp_path, [
        # two Mykolaivkas in Donetsk and no raion: the one within 25 km of ACLED's coordinates
        {"event_id_cnty": "UKR1", "admin1": "Donetsk", "admin2": "", "location": "Mykolaivka",
         "latitude": "48.5757", "longitude": "37.7977"},
        # a gazetteer name, but 80 km from ACLED's coordinates: another place, kept as an import place
        {"event_id_cnty": "UKR2", "location": "Kupiansk", "latitude": "49.0000", "longitude": "37.0000"},
        # the oblast written as in ACLED's admin1 for the capital
        {"event_id_cnty": "UKR3", "admin1": "Kharkivska oblast"},
    ])
    ev = common.run(acled, path, tmp_path / "out", gaz_dir).tables["events"].set_index("event_id")
    assert ev.loc["ACLED-UKR1", ["place_id", "place_match"]].tolist() == ["gn:700131", "nearest"]
    assert ev.loc["ACLED-UKR2", ["place_id", "place_match", "latitude"]].tolist() == [
        "acled:kharkiv-kupianskyi-kupiansk", "import", 49.0]
    assert ev.loc["ACLED-UKR3", ["place_id", "oblast"]].tolist() == ["gn:703656", "Kharkiv"]


def test_events_of_one_place_and_day_keep_their_own_figures(gaz_dir, tmp_path):
    # was: one incident of 4 reports, disagreeing; an export event is now its own incident (test_incidents.py)
    path = _export(tmp_path, [{"event_id_cnty": "UKR1", "fatalities": "2"},
                              {"event_id_cnty": "UKR2", "fatalities": "3", "source": "Ukrinform"}])
    res = common.run(acled, path, tmp_path / "out", gaz_dir)
    ca, inc = res.tables["casualties"], res.tables["incidents"]
    assert len(inc) == 2 and inc["n_reports"].tolist() == [2, 2] and inc["n_sources"].tolist() == [1, 1]
    assert not inc["disagreement"].any() and not ca["disagreement"].any()
    assert (ca["status"] == "current").all() and ca["superseded_by"].isna().all()
    assert ca["killed_best"].sum() == inc["killed_best"].sum() == 5  # summing casualties or incidents: both events


def test_one_name_two_places_stay_apart(gaz_dir, tmp_path):
    far = {"admin1": "Donetsk", "admin2": "", "location": "Novoselivka"}
    path = _export(tmp_path, [{"event_id_cnty": "UKR1", **far, "latitude": "48.20", "longitude": "37.40"},
                              {"event_id_cnty": "UKR2", **far, "latitude": "48.90", "longitude": "38.20"},
                              {"event_id_cnty": "UKR3", **far, "latitude": "48.2005", "longitude": "37.4005"}])
    ev = common.run(acled, path, tmp_path / "out", gaz_dir).tables["events"].set_index("event_id")
    assert ev["place_id"].tolist() == ["acled:donetsk-novoselivka", "acled:donetsk-novoselivka-2",
                                       "acled:donetsk-novoselivka"]
    assert ev.loc["ACLED-UKR2", "latitude"] == 48.9


def test_rows_without_a_place_are_rejected_after_the_rest_is_mapped(gaz_dir, tmp_path):
    """prepare() maps every column but the places (off the placing thread); a row the resolver cannot place is
    dropped in complete(): the rows kept and their sources are those of the export without it."""
    ok, b = {"source": "Ukrinform", "source_scale": "National"}, {"source": "Suspilne"}
    rows = [{"event_id_cnty": "UKR1", **ok},
            {"event_id_cnty": "UKR2", **b, "source_scale": "Regional", "admin1": "Atlantis"},
            {"event_id_cnty": "UKR3", **b, "source_scale": "Subnational", "admin1": "", "location": "Nowhere"},
            {"event_id_cnty": "UKR4", **b, "source_scale": "Other"}]
    res = common.run(acled, _export(tmp_path, rows), tmp_path / "out", gaz_dir)
    (tmp_path / "b").mkdir()
    alone = common.run(acled, _export(tmp_path / "b", [rows[0], rows[3]]), tmp_path / "out2", gaz_dir)
    rej = res.tables["rejects"]
    assert rej["row_id"].tolist() == ["UKR2", "UKR3"] and (rej["column"] == "admin1").all()
    assert rej["reason"].tolist() == ["an oblast of Ukraine (the gazetteer does not know 'Atlantis')",
                                      "an oblast (admin1) for a place that is not in the gazetteer"]
    for name in ("events", "casualties", "sources"):
        got, want = res.tables[name], alone.tables[name]
        if "raw_line" in got:
            assert sorted(got["raw_line"]) == [2, 5]
            got, want = got.drop(columns="raw_line"), want.drop(columns="raw_line")
        assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    assert res.tables["sources"].set_index("source_id").loc[sid("Suspilne"), "notes"].count("source_scale: Other;") == 1


def test_validating_without_a_copy_checks_the_frame_itself(acled_run):
    """validate(copy=False), as the import validates its tables: the same answer, on the frame itself,
    unchanged; a bad frame is still refused."""
    _, res = acled_run
    ev = res.tables["events"]
    before = ev.copy()
    got = validate("events", ev, copy=False)
    assert got is ev
    assert_frame_equal(ev, before)
    assert_frame_equal(validate("events", ev), got)
    bad = ev.assign(killed_best=-1)
    with pytest.raises(Exception, match="killed_best"):
        validate("events", bad, copy=False)


def test_the_export_digest_is_worked_out_beside_the_reading(tmp_path):
    """checksum.Digest: the file's SHA-256, from blocks of any size; cancel() stops it without a digest."""
    data = bytes(range(256)) * 5000
    (tmp_path / "x.csv").write_bytes(data)
    assert Digest(tmp_path / "x.csv", block=4096).result() == hashlib.sha256(data).hexdigest()
    d = Digest(tmp_path / "x.csv", block=1)
    d.cancel()
    assert d.result() in (None, hashlib.sha256(data).hexdigest())


def test_dates_parsed_once_are_the_dates_parsed_anew(monkeypatch):
    """event_date cells are parsed the first time they are met and looked up after, also when the store of
    parsed cells is full and starts again: the same dates as parsing every cell."""
    cells = pd.Series(["18 September 2022", "2022-09-18", "18-September-2022", "31 February 2023", None, "x",
                       "1 March 2024", "2022-02-24"], dtype="str")
    want = acled._parse_new_dates(cells)
    monkeypatch.setattr(acled, "_PARSED_DATES", {})
    for limit in (1000, 5, 3):
        monkeypatch.setattr(acled, "_MAX_PARSED_DATES", limit)
        for part in (cells.iloc[:3], cells, cells.iloc[::-1], cells):
            assert_frame_equal(acled._parse_dates(part).to_frame(), want[part.index].to_frame(), check_names=False)


def _pandas_date_range(when: pd.Series, tp: pd.Series) -> tuple[pd.Series, pd.Series]:
    """date_start and date_end as the mapping first worked them out, with pandas' offsets."""
    week0 = when - pd.to_timedelta(when.dt.day_of_week, unit="D")
    month0 = when.dt.to_period("M").dt.start_time.astype("datetime64[s]")
    start = pd.Series(np.select([tp == 1, tp == 2], [when, week0], month0), index=when.index).astype("datetime64[s]")
    end = pd.Series(np.select([tp == 1, tp == 2], [when, week0 + pd.Timedelta(days=6)],
                              when + pd.offsets.MonthEnd(0)), index=when.index).astype("datetime64[s]")
    return start, end


@given(st.lists(st.tuples(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
                          st.integers(1, 3)), min_size=1, max_size=30), st.booleans())
def test_date_range_is_the_pandas_offsets(rows, midnight):
    when = pd.Series([d.replace(hour=0, minute=0, second=0, microsecond=0) if midnight else d.replace(microsecond=0)
                      for d, _ in rows], dtype="datetime64[s]", index=pd.RangeIndex(len(rows)) * 3 + 1)
    tp = pd.Series(pd.array([p for _, p in rows], dtype="Int64"), index=when.index)
    got, want = acled._date_range(when, tp), _pandas_date_range(when, tp)
    pd.testing.assert_series_equal(got[0], want[0])
    pd.testing.assert_series_equal(got[1], want[1])


def test_parse_dates_reads_the_three_spellings_once_each():
    s = pd.Series(["2022-09-18", "18 September 2022", None, "18-September-2022", "not a date", "2022-09-18"],
                  dtype="str", index=range(10, 16))
    got = acled._parse_dates(s)
    day = pd.Timestamp("2022-09-18")
    assert got.index.equals(s.index) and got.dtype == "datetime64[s]"
    assert got.tolist()[:2] == [day, day] and pd.isna(got.iloc[2]) and got.iloc[3] == day
    assert pd.isna(got.iloc[4]) and got.iloc[5] == day
