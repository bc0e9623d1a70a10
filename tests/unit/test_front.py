"""Distance to the front and to the border on small inline frames with known answers: a place 10 km from a
Russian-held place before and after its recapture, NA (never 0) when none is held, raion rows counted apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.notebook import control, front

D = pd.Timestamp
KM_PER_DEGREE = front.EARTH_KM * np.pi / 180  # one degree of latitude on the sphere
LAT, LON = 49.0, 37.0


def claims(rows) -> pd.DataFrame:
    """rows: (place_id, name, oblast, claim, side, first day, last day)."""
    return pd.DataFrame([{"claim_id": f"CL-{i}", "place_id": pid, "place_name": name, "raion": "R", "oblast": obl,
                          "geo_prec": 1, "claim": claim, "side": side, "claim_by": "ua_official",
                          "confirmed": "unknown", "date_start": D(d0), "date_end": D(d1), "date_prec": 1}
                         for i, (pid, name, obl, claim, side, d0, d1) in enumerate(rows)])


# Rus is 10 km due north of the events' village; Ukraine takes it on 10 September; Far (30 km north) stays Russian
CONTROL = claims([("p:rus", "Rus", "Kharkiv", "took", "ua", "2022-09-10", "2022-09-10"),
                  ("p:far", "Far", "Kharkiv", "holds", "ru", "2022-08-01", "2022-08-01")])
COORDS = pd.DataFrame({"place_id": ["p:rus", "p:far"], "latitude": [LAT + 10 / KM_PER_DEGREE, LAT + 30 / KM_PER_DEGREE],
                       "longitude": [LON, LON]})


def events(rows) -> pd.DataFrame:
    """rows: (day, geo_prec, oblast[, latitude])."""
    out = [{"incident_id": f"I{i}", "date_start": D(r[0]), "place_name": "Village" if r[1] <= 2 else "R raion",
            "geo_prec": r[1], "oblast": r[2], "latitude": r[3] if len(r) > 3 else LAT, "longitude": LON}
           for i, r in enumerate(rows)]
    return pd.DataFrame(out).astype({"geo_prec": "Int64", "latitude": "Float64", "longitude": "Float64"})


def test_haversine_gives_known_distances():
    assert front.haversine_km(LAT, LON, LAT + 1, LON) == pytest.approx(KM_PER_DEGREE)
    assert front.haversine_km(0, 0, 0, 1) == pytest.approx(KM_PER_DEGREE)  # along the equator too
    assert front.haversine_km(0, 0, 0, 180) == pytest.approx(front.EARTH_KM * np.pi)
    assert front.haversine_km([0, 0], [0, 0], 0, [0, 1]).tolist() == pytest.approx([0, KM_PER_DEGREE])


def test_the_distance_is_to_the_place_russia_held_that_day_and_grows_after_its_recapture():
    tl = control.timeline(CONTROL)
    ev = events([("2022-09-09", 1, "Kharkiv"), ("2022-09-10", 1, "Kharkiv"), ("2022-09-21", 1, "Kharkiv")])
    m = front.to_held(ev, tl, COORDS)
    assert m["km_to_held"].tolist() == pytest.approx([10.0, 30.0, 30.0])
    assert m["nearest_held"].tolist() == ["Rus", "Far", "Far"]
    assert (m["measure"] == front.MEASURED).all()
    assert m.index.equals(ev.index)


def test_no_russian_held_place_known_is_na_never_0():
    tl = control.timeline(CONTROL[CONTROL["place_id"] == "p:rus"])  # Rus only: Russian until 9 September
    m = front.to_held(events([("2022-09-09", 1, "Kharkiv"), ("2022-09-10", 1, "Kharkiv")]), tl, COORDS)
    assert m["km_to_held"].iloc[0] == pytest.approx(10.0)
    assert pd.isna(m["km_to_held"].iloc[1]) and pd.isna(m["nearest_held"].iloc[1])
    assert m["measure"].iloc[1] == front.NONE_HELD
    empty = front.to_held(events([("2022-09-09", 1, "Kharkiv")]), tl.iloc[:0], COORDS, oblasts={"Kharkiv"})
    assert pd.isna(empty["km_to_held"].iloc[0]) and empty["measure"].iloc[0] == front.NONE_HELD
    no_claims = front.to_held(events([("2022-09-09", 1, "Kharkiv")]), tl.iloc[:0], COORDS)  # covers no oblast
    assert no_claims["measure"].iloc[0] == front.UNCOVERED


def test_raion_rows_and_uncovered_oblasts_are_left_out_and_counted():
    tl = control.timeline(CONTROL)
    ev = events([("2022-09-09", 1, "Kharkiv"), ("2022-09-09", 3, "Kharkiv"), ("2022-09-09", 4, "Kharkiv"),
                 ("2022-09-09", 1, "Lviv"), ("2022-09-09", 1, "Kharkiv", None)])
    m = front.to_held(ev, tl, COORDS)
    assert m["measure"].tolist() == [front.MEASURED, front.AREA, front.AREA, front.UNCOVERED, front.NO_COORDS]
    assert m["km_to_held"].isna().tolist() == [False, True, True, True, True]
    s = front.summary(pd.concat([ev, m], axis=1))
    assert s["incidents: measured"] == 1 and s["incidents: area, not a settlement"] == 2
    assert s["incidents: no control claim in its oblast"] == 1 and s["incidents: no coordinates"] == 1
    assert s["median km to nearest known Russian-held place"] == 10.0
    assert front.unmeasured(s) == "2 area, not a settlement; 1 no coordinates; 1 no control claim in its oblast"


def test_days_changing_hands_are_not_russian_held_as_control_status_says():
    c = claims([("p:rus", "Rus", "Kharkiv", "holds", "ru", "2022-08-01", "2022-08-01"),
                ("p:rus", "Rus", "Kharkiv", "took", "ua", "2022-09-07", "2022-09-10")])  # changing hands 7-9 Sep
    tl = control.timeline(c)
    days = pd.date_range("2022-07-25", "2022-09-15")
    m = front.to_held(events([(d, 1, "Kharkiv") for d in days]), tl, COORDS)
    held = [control.status(tl, "p:rus", d) == "ru" for d in days]
    assert m["km_to_held"].notna().tolist() == held
    assert m["km_to_held"].notna().sum() == 37  # 1 August to 6 September


def test_periods_are_zero_filled_and_empty_medians_are_missing_not_0():
    tl = control.timeline(CONTROL)
    ev = events([("2022-09-09", 1, "Kharkiv"), ("2022-09-09", 3, "Kharkiv"), ("2022-09-20", 1, "Kharkiv")])
    fr = pd.concat([ev, front.to_held(ev, tl, COORDS)], axis=1)
    fr.loc[2, ["km_to_held", "measure"]] = [pd.NA, front.NONE_HELD]
    pp = front.per_period(fr, "W", D("2022-09-05"), D("2022-09-25"))
    assert pp["first_day"].tolist() == [D("2022-09-05"), D("2022-09-12"), D("2022-09-19")]
    assert pp["10-25 km"].tolist() == [1, 0, 0]  # a band includes its lower edge: 10 km is 10-25
    assert pp[front.NONE_HELD].tolist() == [0, 0, 1]
    assert int(pp[front.band_labels()].to_numpy().sum()) == 1  # the raion row is in no band
    med = front.medians(fr, "W", D("2022-09-05"), D("2022-09-25"), ["km_to_held"])
    assert med["km_to_held"].iloc[0] == pytest.approx(10.0) and med["km_to_held"].iloc[1:].isna().all()
    assert med["n_km_to_held"].tolist() == [1, 0, 0]


def square(x0: float, y0: float) -> np.ndarray:
    return np.array([[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]], dtype=float)


def test_the_border_is_the_edges_no_other_outline_shares():
    shapes = {"A": [square(0, 0)], "B": [square(1, 0)]}  # B lies east of A: the edge x = 1 is shared
    edges = front.outer_edges(shapes, ["A"])
    assert len(edges) == 3 and not any((e[:, 0] == 1).all() for e in edges)
    pts = front.border_points(shapes, ["A"], step_km=1.0)
    assert not (pts[:, 0] == 1).all() and pts[:, 0].max() <= 1 and len(pts) > 300
    # a village on the shared edge, half a degree up: the nearest border (x = 0 or y = 0 or y = 1) is 1/2 degree
    ev = pd.DataFrame({"latitude": [0.5, 0.5], "longitude": [1.0, 1.0], "geo_prec": [1, 3]})
    km = front.to_border(ev, pts)
    assert km.iloc[0] == pytest.approx(0.5 * KM_PER_DEGREE, abs=0.5) and pd.isna(km.iloc[1])


def test_the_russian_border_from_the_shipped_outlines():
    from analysis.notebook import maps

    shapes = maps.oblasts()
    km = sum(float(front.haversine_km(e[0, 1], e[0, 0], e[1, 1], e[1, 0])) for e in front.outer_edges(shapes))
    assert 1400 < km < 1700  # the Sumy, Kharkiv and Luhansk stretches of a border of some 2,000 km
    kharkiv_city = pd.DataFrame({"latitude": [49.98], "longitude": [36.25], "geo_prec": [1]})
    assert 25 < front.to_border(kharkiv_city, front.border_points(shapes)).iloc[0] < 45


def test_the_nearer_of_the_two_uses_either_where_the_other_is_missing():
    held = pd.Series([10.0, None, 50.0], dtype="Float64")
    border = pd.Series([20.0, 30.0, None], dtype="Float64")
    assert front.nearest_ground(held, border).tolist() == [10.0, 30.0, 50.0]
