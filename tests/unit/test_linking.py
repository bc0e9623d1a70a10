"""The linking rules, coder overrides and utterances on small inline frames with known answers, and the
properties that must hold for any input (order independence)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.clean import incidents, linking, utterances

# place_id -> (geo_prec, raion, oblast)
PLACES = {
    "kupiansk": (1, "Kupiansk", "Kharkiv"), "kivsharivka": (1, "Kupiansk", "Kharkiv"),
    "raion-kupiansk": (3, "Kupiansk", "Kharkiv"), "oblast-kharkiv": (4, None, "Kharkiv"),
    "kharkiv": (1, "Kharkiv", "Kharkiv"), "chuhuiv": (1, "Chuhuiv", "Kharkiv"),
    "oblast-dnipro": (4, None, "Dnipropetrovsk"),
}


def ev(eid: str, place: str, start: str, end: str | None = None, etype: str = "missile_strike",
       weapon: str = "missile", hour: int | None = None, tod: str | None = None, prec: int | None = None,
       ) -> dict:
    gp, raion, oblast = PLACES[place]
    s, e = pd.Timestamp(start), pd.Timestamp(end or start)
    width = (e - s).days
    return {"event_id": eid, "source_id": f"src_{eid}", "place_id": place, "geo_prec": gp, "raion": raion,
            "oblast": oblast, "event_type": etype, "weapon": weapon, "hour": hour, "time_of_day": tod,
            "date_start": s, "date_end": e,
            "date_prec": prec or (1 if width == 0 else 2 if width <= 5 else 3 if width == 6 else 4)}


def events(*rows: dict) -> pd.DataFrame:
    df = pd.DataFrame(list(rows))
    df["hour"] = df["hour"].astype("Int64")
    df["geo_prec"] = df["geo_prec"].astype("Int64")
    df["date_prec"] = df["date_prec"].astype("Int64")
    for c in ("time_of_day", "raion"):
        df[c] = df[c].astype("str")
    return df


def cas(*rows: dict) -> pd.DataFrame:
    cols = ["casualty_id", "event_id", "place_id", "geo_prec", "raion", "oblast", "date_start", "date_end",
            "date_prec", "cause", "victim_group", "source_id"]
    df = pd.DataFrame(list(rows), columns=cols)
    for c in ("geo_prec", "date_prec"):
        df[c] = df[c].astype("Int64")
    df["event_id"] = df["event_id"].astype("str")
    return df


def link(e: pd.DataFrame, c: pd.DataFrame | None = None, links: pd.DataFrame | None = None):
    c = cas() if c is None else c
    ev_inc, ev_rule, cas_inc, cas_rule, cand = incidents.link_incidents(e, c, links)
    return dict(zip(e["event_id"], ev_inc, strict=True)), dict(zip(c["casualty_id"], cas_inc, strict=True)), cand


def test_a_settlement_report_links_with_raion_and_oblast_reports_of_the_same_attack():
    e = events(ev("A", "kupiansk", "2022-09-25", etype="other", weapon="small_arms"),
               ev("B", "raion-kupiansk", "2022-09-25", etype="other", weapon="small_arms"),
               ev("C", "oblast-kharkiv", "2022-09-25", etype="other", weapon="unknown"),
               ev("D", "raion-kupiansk", "2022-09-21", "2022-09-30", etype="other", weapon="small_arms"))
    got, _, _ = link(e)
    assert set(got.values()) == {"INC-A"}
    table = incidents.incidents_table(e.assign(incident_id=list(got.values()), link_rule="x"), _empty_cas())
    row = table.iloc[0]
    assert row["place_id"] == "kupiansk"  # the most precise place
    assert (row["date_start"], row["date_end"]) == (pd.Timestamp("2022-09-25"), pd.Timestamp("2022-09-25"))
    assert row["event_ids"] == "A;B;C;D"


def test_an_area_report_fitting_two_attacks_stays_apart_and_is_queued():
    e = events(ev("A", "kupiansk", "2022-09-25"), ev("B", "kivsharivka", "2022-09-25"),
               ev("C", "oblast-kharkiv", "2022-09-25"))
    got, _, cand = link(e)
    assert got == {"A": "INC-A", "B": "INC-B", "C": "INC-C"}
    assert set(zip(cand["id_a"], cand["id_b"], strict=True)) == {("A", "C"), ("B", "C")}
    assert set(cand["rule"]) == {linking.AMBIGUOUS}


def test_another_oblast_never_links():
    got, _, _ = link(events(ev("A", "kupiansk", "2022-09-25"), ev("B", "oblast-dnipro", "2022-09-25")))
    assert got["A"] != got["B"]


def test_plain_shelling_links_with_a_strike_but_a_different_weapon_does_not():
    m = ev("M", "kharkiv", "2022-08-18")
    s = ev("S", "kharkiv", "2022-08-18", etype="shelling", weapon="unknown")
    d = ev("D", "kharkiv", "2022-08-18", etype="drone_strike", weapon="drone")
    got, _, _ = link(events(m, s))
    assert got["S"] == got["M"]
    got, _, cand = link(events(m, d))
    assert got["M"] != got["D"] and set(cand["rule"]) == {"different type of attack"}
    got, _, cand = link(events(m, s, d))  # plain shelling fits both strikes: it glues neither
    assert len(set(got.values())) == 3 and linking.AMBIGUOUS in set(cand["rule"])


def test_clock_times_hours_apart_are_different_attacks_and_a_vague_night_report_is_not_glued():
    e = events(ev("E1", "kharkiv", "2022-08-17", hour=21, tod="evening"),
               ev("E2", "kharkiv", "2022-08-17"),
               ev("N1", "kharkiv", "2022-08-18", hour=4, tod="night"),
               ev("N2", "kharkiv", "2022-08-18", tod="night"),
               ev("R", "kharkiv", "2022-08-17", "2022-08-18"))  # 'last night', no time: fits both
    got, _, cand = link(e)
    assert got["E1"] == got["E2"] == "INC-E1"
    assert got["N1"] == got["N2"] == "INC-N1"
    assert got["R"] not in (got["E1"], got["N1"])
    assert {("E1", "R"), ("N1", "R")} <= set(zip(cand["id_a"], cand["id_b"], strict=True))


def test_clock_times_across_midnight_are_one_attack():
    got, _, _ = link(events(ev("A", "kharkiv", "2022-08-17", hour=23), ev("B", "kharkiv", "2022-08-18", hour=1)))
    assert got["A"] == got["B"]


def test_no_chains_an_incident_spans_its_most_precise_report_only():
    e = events(ev("A", "kharkiv", "2022-08-01"), ev("W", "kharkiv", "2022-08-01", "2022-08-07"),
               ev("C", "kharkiv", "2022-08-05"), ev("B", "kharkiv", "2022-08-02"))
    got, _, _ = link(e)
    assert len({got["A"], got["B"], got["C"]}) == 3  # daily attacks: three incidents
    assert got["W"] not in (got["A"], got["B"], got["C"])  # a week-long report fits all: glues none
    table = incidents.incidents_table(e.assign(incident_id=[got[i] for i in e["event_id"]], link_rule="x"),
                                      _empty_cas())
    assert ((table["date_end"] - table["date_start"]).dt.days <= 6).all()


def test_casualty_reports_without_an_event_link_by_place_date_cause_and_victim():
    e = events(ev("A", "chuhuiv", "2022-09-17", etype="shelling", weapon="mlrs"))
    c = cas({"casualty_id": "C1", "event_id": None, "place_id": "chuhuiv", "geo_prec": 1, "raion": "Chuhuiv",
             "oblast": "Kharkiv", "date_start": pd.Timestamp("2022-09-17"), "date_end": pd.Timestamp("2022-09-17"),
             "date_prec": 1, "cause": "shelling", "victim_group": "civilian", "source_id": "s1"},
            {"casualty_id": "C2", "event_id": None, "place_id": "chuhuiv", "geo_prec": 1, "raion": "Chuhuiv",
             "oblast": "Kharkiv", "date_start": pd.Timestamp("2022-09-17"), "date_end": pd.Timestamp("2022-09-17"),
             "date_prec": 1, "cause": "landmine", "victim_group": "civilian", "source_id": "s2"},
            {"casualty_id": "C3", "event_id": "A", "place_id": "chuhuiv", "geo_prec": 1, "raion": "Chuhuiv",
             "oblast": "Kharkiv", "date_start": pd.Timestamp("2022-09-17"), "date_end": pd.Timestamp("2022-09-17"),
             "date_prec": 1, "cause": "shelling", "victim_group": "civilian", "source_id": "s3"})
    got, got_cas, _ = link(e, c)
    assert got_cas["C1"] == got_cas["C3"] == got["A"]
    assert got_cas["C2"] == "INC-C2"  # a mine is not the shelling


def test_links_csv_merges_and_splits_override_the_rules():
    e = events(ev("A", "kharkiv", "2022-08-17"), ev("B", "kharkiv", "2022-08-17"), ev("C", "chuhuiv", "2022-08-17"))
    links = pd.DataFrame({"link_id": ["LK-0002", "LK-0001"], "action": ["merge", "split"],
                          "ids": ["A;C", "B"]})
    ev_inc, ev_rule, _, _, _ = incidents.link_incidents(e, _empty_cas(), links)
    got = dict(zip(e["event_id"], ev_inc, strict=True))
    assert got["A"] == got["C"] != got["B"]
    assert dict(zip(e["event_id"], ev_rule, strict=True))["B"] == "links.csv LK-0001"


def test_a_casualty_report_goes_where_a_link_moves_its_event_unless_a_link_names_it():
    e = events(ev("A", "kharkiv", "2022-08-17"), ev("B", "kharkiv", "2022-08-17"))
    row = {"place_id": "kharkiv", "geo_prec": 1, "raion": "Kharkiv", "oblast": "Kharkiv",
           "date_start": pd.Timestamp("2022-08-17"), "date_end": pd.Timestamp("2022-08-17"), "date_prec": 1,
           "cause": "missile_strike", "victim_group": "civilian"}
    c = cas({**row, "casualty_id": "C1", "event_id": "B", "source_id": "s1"},
            {**row, "casualty_id": "C2", "event_id": "B", "source_id": "s2"})
    links = pd.DataFrame({"link_id": ["LK-0001", "LK-0002"], "action": ["split", "split"], "ids": ["B", "C2"]})
    got, got_cas, _ = link(e, c, links)
    assert got["A"] != got["B"] == got_cas["C1"]  # C1 follows its event out of the rules' incident
    assert got_cas["C2"] not in (got["A"], got["B"])  # a link that names the casualty report wins


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(PLACES)), st.integers(0, 6), st.integers(0, 3),
                          st.sampled_from(["missile_strike", "shelling", "drone_strike"]),
                          st.one_of(st.none(), st.integers(0, 23))), min_size=1, max_size=14),
       st.randoms(use_true_random=False))
def test_the_same_incidents_whatever_the_row_order(rows, rnd):
    e = events(*[ev(f"E{i:02d}", p, f"2022-08-{1 + d:02d}", f"2022-08-{1 + d + w:02d}", t,
                    "unknown" if t == "shelling" else "x", h) for i, (p, d, w, t, h) in enumerate(rows)])
    first, _, _ = link(e)
    order = list(range(len(e)))
    rnd.shuffle(order)
    again, _, _ = link(e.iloc[order].reset_index(drop=True))
    assert first == again


def st_rows(*rows: tuple) -> pd.DataFrame:
    cols = ["statement_id", "speaker", "date_start", "date_end", "date_prec", "topic", "stance", "channel"]
    df = pd.DataFrame([r[:2] + (pd.Timestamp(r[2]), pd.Timestamp(r[3]), r[4]) + r[5:] for r in rows], columns=cols)
    df["date_prec"] = df["date_prec"].astype("Int64")
    return df


def test_syndicated_copies_are_one_utterance_but_a_speaker_s_next_statements_are_not_chained():
    s = st_rows(("S1", "Pope Francis", "2022-10-02", "2022-10-02", 1, "peace_talks;nuclear", "proposes", "speech"),
                ("S2", "Pope Francis", "2022-10-01", "2022-10-02", 2, "nuclear;war_end", "proposes", "speech"),
                ("S3", "Pope Francis", "2022-10-02", "2022-10-02", 1, "annexation", "rejects", "speech"),
                ("S4", "Pope Francis", "2022-10-03", "2022-10-03", 1, "peace_talks", "proposes", "unknown"),
                ("S5", "Pope Francis", "2022-10-04", "2022-10-04", 1, "peace_talks", "proposes", "speech"),
                ("S6", "Papa Francesco", "2022-10-02", "2022-10-02", 1, "peace_talks", "proposes", "speech"))
    ut, rule, cand = utterances.link_statements(s)
    got = dict(zip(s["statement_id"], ut, strict=True))
    assert got["S1"] == got["S2"] == got["S4"] == "UT-S1"  # same or next day, a topic in common
    assert got["S3"] != got["S1"]  # another substance
    assert got["S5"] != got["S1"]  # two days later: not chained through S4
    assert got["S6"] != got["S1"]  # another spelling of the name is another speaker unless folded alike
    assert utterances.APART in set(cand["rule"])


def _empty_cas() -> pd.DataFrame:
    c = cas()
    for col in ("killed_low", "killed_best", "killed_high", "injured_low", "injured_best", "injured_high"):
        c[col] = pd.Series(dtype="Int64")
    for col in ("figure_type", "status", "claim_by", "claimant", "sex", "ages", "link_rule", "incident_id"):
        c[col] = pd.Series(dtype="str")
    c["published"] = pd.Series(dtype="datetime64[s]")
    c["disagreement"] = pd.Series(dtype="boolean")
    return c


def summary(eid: str, place: str, published: str, claimant: str = "Oleh Syniehubov", **kw) -> dict:
    """A "past day" report: a two-day window ending on the day it was published (a daily summary)."""
    pub = pd.Timestamp(published)
    row = ev(eid, place, str((pub - pd.Timedelta(days=1)).date()), published, etype="shelling", weapon="unknown",
             **kw)
    return {**row, "published": pub, "claim_by": "regional_admin", "claimant": claimant}


def with_claims(*rows: dict) -> pd.DataFrame:
    df = events(*rows)
    df["published"] = pd.to_datetime(df["published"])
    return df.astype({"claim_by": "str", "claimant": "str"})


def test_one_claimants_daily_summaries_of_consecutive_days_are_different_incidents():
    # the windows 6-7 and 7-8 Nov overlap on 7 Nov, but the governor's summaries of two days are two days
    e = with_claims(summary("A", "raion-kupiansk", "2022-11-07"), summary("B", "raion-kupiansk", "2022-11-08"),
                    summary("C", "kupiansk", "2022-11-08", claimant="Олег Синєгубов"))
    got, _, _ = link(e)
    assert got["A"] != got["B"]
    assert got["B"] == got["C"]  # the same summary's raion and settlement rows (spellings folded) still link


def test_another_claimants_report_of_the_same_window_still_links():
    e = with_claims(summary("A", "kupiansk", "2022-11-07"), summary("B", "kupiansk", "2022-11-07",
                                                                    claimant="Ihor Terekhov"))
    got, _, _ = link(e)
    assert got["A"] == got["B"]


def test_a_yesterday_row_of_the_next_summary_is_another_day_than_the_previous_summary():
    # the 3 Oct summary's "yesterday" (2 Oct) and the 2 Oct summary's past day (1-2 Oct) overlap on 2 Oct
    yesterday = {**ev("B", "raion-kupiansk", "2022-10-02", etype="shelling", weapon="unknown"),
                 "published": pd.Timestamp("2022-10-03"), "claim_by": "regional_admin",
                 "claimant": "Oleh Syniehubov"}
    got, _, _ = link(with_claims(summary("A", "raion-kupiansk", "2022-10-02"), yesterday))
    assert got["A"] != got["B"]
    got, _, _ = link(with_claims(yesterday, summary("C", "kupiansk", "2022-10-03")))
    assert got["B"] == got["C"]  # one morning's "yesterday" and "past day" rows are one summary


def test_a_village_placed_at_its_raions_centre_is_still_a_settlement():
    # not in GeoNames: geo_prec 3 like a raion, but the report names one village, not the raion
    PLACES["hrushivka"] = (3, "Kupiansk", "Kharkiv")
    try:
        e = events(ev("A", "kivsharivka", "2022-09-28", etype="shelling", weapon="unknown"),
                   ev("B", "hrushivka", "2022-09-28", etype="shelling", weapon="unknown"),
                   ev("C", "raion-kupiansk", "2022-09-28", etype="shelling", weapon="unknown"))
        e["place_match"] = pd.array(["exact", "exact", "raion"], dtype="str")
        got, _, _ = link(e)
    finally:
        del PLACES["hrushivka"]
    assert got["A"] != got["B"]
    assert got["C"] == "INC-C"  # the raion report fits both villages' attacks, so it is kept apart


def test_the_morning_of_one_day_is_not_the_night_into_the_next():
    # Kharkiv: shelling on the morning of 30 Aug; missiles in the night of 30/31 Aug (a two-day "night" report)
    e = events(ev("M", "kharkiv", "2022-08-30", "2022-08-31", tod="night"),
               ev("S", "kharkiv", "2022-08-30", etype="shelling", weapon="artillery", tod="morning"),
               ev("E", "kharkiv", "2022-08-30", etype="shelling", weapon="unknown", tod="evening"),
               ev("N", "kharkiv", "2022-08-31", "2022-09-01", tod="night"))
    got, _, _ = link(e)
    assert got["S"] != got["M"]  # a day apart
    assert got["E"] == got["M"]  # the evening of the 30th and the night after it are neighbours
    assert got["N"] != got["M"]  # the next night is another night


def test_the_warm_up_loads_the_loops_the_clean_then_calls(tmp_path):
    """pipeline._load_kernels links a made-up event and statement and packs a made-up queue pair while the raw
    files are read: it must reach the compiled loops (an error is raised here; clean() warns of it), with the
    argument types of a real clean's call: after it and a clean of the shipped data (in a process of its own,
    where nothing else called the loops), one compiled version of each, not a second one."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; from pathlib import Path; from analysis.clean import linking_kernel as k, pipeline, "
            "utterance_kernel as u; pipeline._load_kernels(); loops = (k._run, u._run, k.queue_keys, k.queue_rows); "
            "n = tuple(len(f.signatures) for f in loops); pipeline.clean(Path(sys.argv[1]), Path(sys.argv[2])); "
            "print(n, tuple(len(f.signatures) for f in loops))")
    raw = Path(__file__).resolve().parents[2] / "data" / "raw"
    out = subprocess.run([sys.executable, "-c", code, str(raw), str(tmp_path / "out")], capture_output=True,
                         text=True, check=True).stdout
    assert out.split("\n")[-2] == "(1, 1, 1, 1) (1, 1, 1, 1)"


def test_a_failed_warm_up_is_reported_not_swallowed(tmp_path, monkeypatch):
    """The warm-up thread's error reaches the caller as a warning; the clean itself does not depend on it."""
    from pathlib import Path

    from analysis.clean import pipeline

    def broken() -> None:
        raise ValueError("no such loop")

    monkeypatch.setattr(pipeline, "_load_kernels", broken)
    raw = Path(__file__).resolve().parents[2] / "data" / "raw"
    with pytest.warns(RuntimeWarning, match="no such loop"):
        pipeline.clean(raw, tmp_path / "out")
    assert (tmp_path / "out" / "events.csv").exists()
