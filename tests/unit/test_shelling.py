"""Shelling helpers on small inline frames with known answers: the pivot (place or raion), clipped windows,
the control timeline and status, the stacked difference in differences."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.notebook import control, shelling

D = pd.Timestamp


def events(rows) -> pd.DataFrame:
    """rows: (incident_id, place_id, place_name, raion, geo_prec, day[, source_id])."""
    out = []
    for i, r in enumerate(rows):
        inc, pid, name, raion, prec, day = r[:6]
        src = r[6] if len(r) > 6 else f"src{i}"
        out.append({"event_id": f"EV-{i:04d}", "incident_id": inc, "place_id": pid, "place_name": name,
                    "raion": raion, "oblast": "Kharkiv", "geo_prec": prec, "date_start": D(day), "date_end": D(day),
                    "date_prec": 1, "published": D(day), "source_id": src})
    return pd.DataFrame(out)


def claims(rows) -> pd.DataFrame:
    """rows: (place_id, name, claim, side, claim_by, first day, last day[, date_prec])."""
    out = []
    for i, (pid, name, claim, side, by, d0, d1, *prec) in enumerate(rows):
        out.append({"claim_id": f"CL-{i:04d}", "place_id": pid, "place_name": name, "raion": "Izium",
                    "oblast": "Kharkiv", "geo_prec": 1, "claim": claim, "side": side, "claim_by": by,
                    "confirmed": "unknown", "date_start": D(d0), "date_end": D(d1),
                    "date_prec": prec[0] if prec else 1})
    return pd.DataFrame(out)


TOWN_AND_RAION = events([
    ("I1", "p:izium", "Izium", "Izium", 1, "2022-09-05"),
    ("I2", "r:izium", "Izium raion", "Izium", 3, "2022-09-06"),
    ("I3", "r:izium", "Izium raion", "Izium", 3, "2022-09-12"),
    ("I4", "p:izium", "Izium", "Izium", 1, "2022-09-15"),
    ("I4", "r:izium", "Izium raion", "Izium", 3, "2022-09-15"),  # a second report of I4: counted once
    ("I5", "p:balak", "Balakliia", "Izium", 1, "2022-09-20"),
    ("I6", "p:kupiansk", "Kupiansk", "Kupiansk", 1, "2022-09-20"),
])


def test_the_pivot_counts_only_the_named_town_unless_asked_for_its_raion():
    pc = shelling.pivot_change(TOWN_AND_RAION, "Izium", D("2022-09-10"), 30)
    assert pc["incidents"].tolist() == [1, 1]
    raion = shelling.pivot_change(TOWN_AND_RAION, "Izium", D("2022-09-10"), 30, pivot_scope="raion")
    assert raion["incidents"].tolist() == [2, 3]  # the town, its raion-level rows and Balakliia; not Kupiansk


def test_windows_are_clipped_to_the_period_and_labelled_with_their_real_length():
    pc = shelling.pivot_change(TOWN_AND_RAION, "Izium", D("2022-09-10"), 30, D("2022-09-01"), D("2022-09-30"))
    assert pc["days"].tolist() == [9, 21]
    assert pc["per_day"].tolist() == [round(1 / 9, 3), round(1 / 21, 3)]
    assert pc["label"].iloc[0] == "before (9 days: 01 Sep to 09 Sep 2022)"
    none = shelling.pivot_change(TOWN_AND_RAION, "Izium", D("2022-09-10"), 30, D("2022-09-10"), D("2022-09-30"))
    assert none["days"].tolist() == [0, 21] and math.isnan(none["per_day"].iloc[0])
    assert none["label"].iloc[0] == "before (0 days)"


def test_windows_leave_out_the_days_a_place_was_changing_hands():
    w = shelling.windows(D("2022-09-07"), 5, D("2022-08-01"), D("2022-12-31"), pivot_end=D("2022-09-10"))
    assert w["first_day"].tolist() == [D("2022-09-02"), D("2022-09-10")]
    assert w["last_day"].tolist() == [D("2022-09-06"), D("2022-09-14")]
    assert w["days"].tolist() == [5, 5]


CONTROL = claims([
    ("p:izium", "Izium", "took", "ru", "media", "2022-03-21", "2022-03-31", 4),
    ("p:izium", "Izium", "lost", "ru", "ru_official", "2022-09-07", "2022-09-10", 2),
    ("p:izium", "Izium", "took", "ua", "ua_official", "2022-09-10", "2022-09-10"),
    ("p:izium", "Izium", "advanced_to", "ua", "media", "2022-09-09", "2022-09-09"),  # says nothing about holder
    ("p:balak", "Balakliia", "took", "ua", "ua_official", "2022-09-08", "2022-09-08"),
    ("p:balak", "Balakliia", "took", "ua", "media", "2022-09-08", "2022-09-08"),
    ("p:balak", "Balakliia", "holds", "ru", "ru_proxy_official", "2022-09-08", "2022-09-09"),  # a denial
    ("p:balak", "Balakliia", "lost", "ru", "ru_official", "2022-09-10", "2022-09-10"),
])


def test_the_control_timeline_says_who_held_a_place_from_when_and_how_sure():
    t = control.timeline(CONTROL)
    iz = t[t["place_id"] == "p:izium"]
    assert iz["holder"].tolist() == ["ua", "ru", "ua"]  # ua before March implied by 'took'
    assert iz["since"].iloc[2] == D("2022-09-10") and iz["earliest"].iloc[2] == D("2022-09-07")
    assert iz["until"].iloc[1] == D("2022-09-06")
    assert iz["certainty"].iloc[2] == "claimed by both sides"  # Russia's MoD admits the loss
    ba = t[t["place_id"] == "p:balak"]
    assert ba["holder"].tolist() == ["ru", "ua"]  # the proxy denial does not make two changes of hands
    assert ba["contradicted"].iloc[1] == 1 and ba["claims"].iloc[1] == 3
    assert control.status(t, "p:izium", D("2022-06-01")) == "ru"
    assert control.status(t, "p:izium", D("2022-09-08")) == control.CHANGING
    assert control.status(t, "p:izium", D("2022-09-20")) == "ua"
    assert control.status(t, "p:kupiansk", D("2022-09-20")) == "no claim"
    rc = control.recaptures(t)
    assert rc["place_name"].tolist() == ["Izium", "Balakliia"] or set(rc["place_name"]) == {"Izium", "Balakliia"}


def test_every_event_is_tagged_with_its_place_control_on_its_date():
    tagged = control.tag(TOWN_AND_RAION, control.timeline(CONTROL))
    assert tagged["control"].tolist() == ["ru", "area, not a settlement", "area, not a settlement", "ua",
                                          "area, not a settlement", "ua", "no claim"]


def _study(effect: bool):
    """Two recaptured and three comparison places over 20 + 20 days, all at one incident every other day; with
    `effect`, the recaptured places also get one on the other days after the pivot (+0.5 per day)."""
    rows, n = [], 0
    days = pd.date_range("2022-09-01", periods=40)
    for pid in ("c1", "c2", "c3", "t1", "t2"):
        for k, day in enumerate(days):
            extra = effect and pid.startswith("t") and k >= 20
            if k % 2 == 0 or extra:
                rows.append((f"I{n}", pid, pid, "R", 1, str(day.date())))
                n += 1
    rec = pd.DataFrame({"place_id": ["t1", "t2"], "place_name": ["t1", "t2"], "raion": "R",
                        "earliest": D("2022-09-21"), "since": D("2022-09-21")})
    return shelling.recapture_did(events(rows), rec, ["c1", "c2", "c3"], D("2022-09-01"), D("2022-10-10"), 20,
                                  n_boot=200)


def test_difference_in_differences_finds_a_known_effect():
    table, s = _study(True)  # 10 more incidents in 20 days after: +0.5 per day
    assert table["did"].tolist() == pytest.approx([0.5, 0.5])
    assert s["estimate"] == pytest.approx(0.5) and s["low"] > 0
    assert "rose" in shelling.did_conclusion(s)


def test_difference_in_differences_finds_none_where_there_is_none():
    table, s = _study(False)
    assert s["estimate"] == pytest.approx(0) and s["low"] <= 0 <= s["high"]
    assert shelling.did_conclusion(s).startswith("No evidence")
    assert s["incidents before"] == s["incidents after"] == 20


def test_no_recapture_in_the_period_is_said_not_estimated():
    rec = pd.DataFrame({"place_id": ["t1"], "place_name": ["t1"], "raion": ["R"], "earliest": [D("2023-01-01")],
                        "since": [D("2023-01-01")]})
    table, s = shelling.recapture_did(TOWN_AND_RAION, rec, ["p:kupiansk"], D("2022-09-01"), D("2022-09-30"))
    assert table.empty and math.isnan(s["estimate"])
    assert shelling.did_conclusion(s).startswith("Not estimated")


def test_periods_are_zero_filled_and_partial_ones_marked():
    pp = shelling.per_period(TOWN_AND_RAION, "W", D("2022-09-01"), D("2022-09-30"))
    assert pp["incidents"].tolist() == [0, 2, 2, 2, 0]  # weeks from 29 Aug (partial) to 26 Sep (partial)
    assert pp["partial"].tolist() == [True, False, False, False, True]
    assert pp["days"].tolist() == [4, 7, 7, 7, 5]
    assert pp["sources_per_day"].iloc[-1] == 0
