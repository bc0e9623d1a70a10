"""How far from the fighting: distance from each settlement-level event to the nearest place the control data
show as Russian-held on its day, and to the Russia-Ukraine land border where the oblast outlines show it.

Distances are great-circle distances on a sphere of radius 6,371.0088 km (the IUGG mean Earth radius), by
the haversine formula: within 0.5% of the ellipsoidal distance, far below what the coordinates of a village
centre support.

**Nearest Russian-held place.** The control table is a set of claims about a few dozen settlements, not a
front line. On each day, the Russian-held places are those whose control timeline (`analysis.notebook.control`) has
a Russian spell covering the day (from `since`, or open before the first claim when a later claim implies
it, to `until`); days a place was "changing hands" do not count. The distance to the nearest of them is an
*upper bound* on the distance to the front: a Russian-held place the table does not name may be nearer.
On a day with no Russian-held place known the distance is NA, never 0. Rows placed only at a raion, oblast
or river (geo_prec 3 and above) have no point to measure from: they are left out and counted. So are events
in an oblast where the control table names no settlement (the claims say nothing about that part of the
front).

**Border.** The oblast outlines are of Ukraine only, but they share their edges exactly (every edge of the
simplified geoBoundaries file lies on one or two outlines), so an edge on one outline only lies on Ukraine's
state border or coast. Sumy, Kharkiv and Luhansk oblasts have no coast and no foreign neighbour but
Russia: their outer edges are the Russia-Ukraine land border from the Chernihiv-Sumy junction to the
Luhansk-Donetsk junction (about 1,560 km of some 2,000). The Donetsk (Rostov) and Chernihiv (Bryansk)
stretches cannot be told from the coast and the Belarus border in this file, and are left out: for a place
nearer to them the distance is an upper bound as well. The border is densified to a point every
`STEP_KM` km and distances are taken to the nearest point (error at most STEP_KM / 2).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from analysis.clean.rules import EARTH_KM, haversine_km  # noqa: F401 - EARTH_KM: the radius used here

STEP_KM = 0.5
BORDER_OBLASTS = ("Sumy", "Kharkiv", "Luhansk")  # landlocked, and Russia is their only foreign neighbour
MEASURED = "measured"
AREA = "area, not a settlement"
NO_COORDS = "no coordinates"
UNCOVERED = "no control claim in its oblast"
NONE_HELD = "no Russian-held place known that day"
REASONS = (MEASURED, AREA, NO_COORDS, UNCOVERED, NONE_HELD)
BLOCK = 4096  # events per block of the distance matrix (memory: BLOCK x places)


def held_spells(timeline: pd.DataFrame, coords: pd.DataFrame, holder: str = "ru") -> pd.DataFrame:
    """The spells in which `holder` held a settlement, as day intervals [first, last] (NaT = open) with the
    place's coordinates (from `coords`: place_id, latitude, longitude; a place without them is left out)."""
    s = timeline[timeline["holder"] == holder]
    xy = coords.drop_duplicates("place_id").set_index("place_id")
    out = pd.DataFrame({"place_id": s["place_id"].to_numpy(), "place_name": s["place_name"].to_numpy(),
                        "first": s["since"].to_numpy(), "last": s["until"].to_numpy(),
                        "latitude": s["place_id"].map(xy["latitude"]).astype("Float64").to_numpy(),
                        "longitude": s["place_id"].map(xy["longitude"]).astype("Float64").to_numpy()})
    return out[out["latitude"].notna() & out["longitude"].notna()].reset_index(drop=True)


def _nearest(lat: np.ndarray, lon: np.ndarray, plat: np.ndarray, plon: np.ndarray,
             mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and index of the nearest point for each row (NaN and -1 where the mask leaves none),
    in blocks of rows so that a large import does not build one huge matrix."""
    km, idx = np.full(len(lat), np.nan), np.full(len(lat), -1)
    if not len(plat):
        return km, idx
    for a in range(0, len(lat), BLOCK):
        d = haversine_km(lat[a:a + BLOCK, None], lon[a:a + BLOCK, None], plat[None, :], plon[None, :])
        if mask is not None:
            d = np.where(mask[a:a + BLOCK], d, np.inf)
        j = d.argmin(axis=1)
        best = d[np.arange(len(j)), j]
        ok = np.isfinite(best)
        km[a:a + BLOCK] = np.where(ok, best, np.nan)
        idx[a:a + BLOCK] = np.where(ok, j, -1)
    return km, idx


def to_held(events: pd.DataFrame, timeline: pd.DataFrame, coords: pd.DataFrame, holder: str = "ru",
            oblasts: set[str] | None = None) -> pd.DataFrame:
    """For each event (same index): `km_to_held`, the distance to the nearest settlement `holder` held on the
    first day of the event's date range (as `control.tag` dates it), `nearest_held` (its name) and `measure`
    (one of REASONS: why there is no distance). `oblasts`: where the control data may be used (default: the
    oblasts of the timeline's settlements)."""
    oblasts = set(timeline["oblast"]) if oblasts is None else set(oblasts)
    spells = held_spells(timeline, coords, holder)
    lat = events["latitude"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    lon = events["longitude"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    day = events["date_start"].to_numpy(dtype="datetime64[s]")
    settlement = (events["geo_prec"] <= 2).fillna(False).to_numpy(dtype=bool)
    has_xy = ~(np.isnan(lat) | np.isnan(lon))
    covered = events["oblast"].isin(oblasts).to_numpy(dtype=bool)
    first = spells["first"].to_numpy(dtype="datetime64[s]")
    last = spells["last"].to_numpy(dtype="datetime64[s]")
    on = ((np.isnat(first)[None, :] | (first[None, :] <= day[:, None]))
          & (np.isnat(last)[None, :] | (day[:, None] <= last[None, :])))
    use = settlement & has_xy & covered
    km, idx = _nearest(np.where(use, lat, 0.0), np.where(use, lon, 0.0),
                       spells["latitude"].to_numpy(dtype=float), spells["longitude"].to_numpy(dtype=float),
                       on & use[:, None])
    measure = np.select([~settlement, ~has_xy, ~covered, idx < 0], [AREA, NO_COORDS, UNCOVERED, NONE_HELD],
                        MEASURED)
    names = spells["place_name"].to_numpy(dtype=object)
    return pd.DataFrame({"km_to_held": pd.array(np.where(idx >= 0, km, np.nan), dtype="Float64"),
                         "nearest_held": pd.array([names[j] if j >= 0 else pd.NA for j in idx], dtype="str"),
                         "measure": pd.array(measure, dtype="str")}, index=events.index)


def outer_edges(shapes: dict[str, list[np.ndarray]], names=BORDER_OBLASTS) -> list[np.ndarray]:
    """Edges (2 x (lon, lat) arrays) of the named outlines that lie on no other outline: where the named
    oblasts meet no other Ukrainian unit. Edges are matched exactly, as the file's shared edges are."""
    count: Counter = Counter()
    for rings in shapes.values():
        for r in rings:
            count.update(frozenset(e) for e in zip(map(tuple, r[:-1]), map(tuple, r[1:]), strict=True))
    return [np.array([a, b]) for n in names if n in shapes for r in shapes[n]
            for a, b in zip(map(tuple, r[:-1]), map(tuple, r[1:]), strict=True) if count[frozenset((a, b))] == 1]


def border_points(shapes: dict[str, list[np.ndarray]], names=BORDER_OBLASTS, step_km: float = STEP_KM) -> np.ndarray:
    """Points (lon, lat) along the outer edges of the named oblasts, at most `step_km` apart."""
    pts = []
    for e in outer_edges(shapes, names):
        n = max(int(np.ceil(haversine_km(e[0, 1], e[0, 0], e[1, 1], e[1, 0]) / step_km)), 1)
        t = np.arange(n)[:, None] / n  # the edge's end is the next edge's start
        pts.append(e[0] + t * (e[1] - e[0]))
    return np.vstack(pts) if pts else np.empty((0, 2))


def to_border(events: pd.DataFrame, points: np.ndarray) -> pd.Series:
    """Distance in km from each settlement-level event to the nearest border point (NA for raion-, oblast- and
    river-level rows and for rows without coordinates)."""
    lat = events["latitude"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    lon = events["longitude"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    use = (events["geo_prec"] <= 2).fillna(False).to_numpy(dtype=bool) & ~(np.isnan(lat) | np.isnan(lon))
    km, _ = _nearest(np.where(use, lat, 0.0), np.where(use, lon, 0.0), points[:, 1], points[:, 0])
    return pd.Series(pd.array(np.where(use, km, np.nan), dtype="Float64"), index=events.index, name="km_to_border")


BANDS = (0, 10, 25, 50, 100)


def band_labels(edges=BANDS) -> list[str]:
    """'0-10 km', ..., '100 km or more': a band includes its lower edge."""
    return [f"{a}-{b} km" for a, b in zip(edges[:-1], edges[1:], strict=True)] + [f"{edges[-1]} km or more"]


def band(km: pd.Series, edges=BANDS) -> pd.Series:
    """The distance band of each distance (`band_labels`), rounded to the metre first (so 9.9999999 km from
    floating point is 10 km, as printed); NA stays NA."""
    return pd.cut(km.astype(float).round(3), [*edges, np.inf], right=False, labels=band_labels(edges))


def per_period(measured: pd.DataFrame, freq: str, start: pd.Timestamp, end: pd.Timestamp,
               edges=BANDS) -> pd.DataFrame:
    """Incidents per period (zero-filled, from start to end) in each distance band, plus those with no
    Russian-held place known on their day; `measured`: incidents with `date_start`, `km_to_held`, `measure`."""
    periods = pd.period_range(start, end, freq=freq)
    b = band(measured["km_to_held"], edges)
    labels = band_labels(edges)
    p = measured["date_start"].dt.to_period(freq)
    wide = pd.crosstab(p, b).reindex(index=periods, columns=labels, fill_value=0)
    none = p[measured["measure"] == NONE_HELD].value_counts().reindex(periods, fill_value=0)
    wide[NONE_HELD] = none.to_numpy()
    wide = wide.astype("int64")
    wide.columns = pd.Index([str(c) for c in wide.columns], dtype="str")
    first = [max(q.start_time.normalize(), start) for q in periods]
    last = [min(q.end_time.normalize(), end) for q in periods]
    out = wide.reset_index(drop=True)
    out.insert(0, "first_day", first)
    out.insert(1, "days", [(b_ - a).days + 1 for a, b_ in zip(first, last, strict=True)])
    out.insert(2, "partial", [(d < (q.end_time.normalize() - q.start_time.normalize()).days + 1)
                              for d, q in zip(out["days"], periods, strict=True)])
    return out


def summary(measured: pd.DataFrame) -> dict[str, object]:
    """How many incidents have a distance and why the others have none, and the median distances."""
    counts = measured["measure"].value_counts()
    km = measured["km_to_held"].dropna()
    out: dict[str, object] = {f"incidents: {r}": int(counts.get(r, 0)) for r in REASONS}
    out["median km to nearest known Russian-held place"] = round(float(km.median()), 1) if len(km) else "none measured"
    if "km_to_border" in measured:
        kb = measured["km_to_border"].dropna()
        out["median km to the border (Sumy-Kharkiv-Luhansk stretch)"] = (round(float(kb.median()), 1) if len(kb)
                                                                         else "none measured")
    if "km_to_russian_ground" in measured:
        kg = measured["km_to_russian_ground"].dropna()
        out["median km to the nearer of the two"] = round(float(kg.median()), 1) if len(kg) else "none measured"
    return out


def nearest_ground(km_to_held: pd.Series, km_to_border: pd.Series) -> pd.Series:
    """The lesser of the two distances (either where the other is NA): an upper bound on the distance to
    ground Russia held, since Russia's own territory is Russian-held too."""
    both = pd.concat([km_to_held.astype("Float64"), km_to_border.astype("Float64")], axis=1)
    return both.min(axis=1, skipna=True).astype("Float64").rename("km_to_russian_ground")


def medians(measured: pd.DataFrame, freq: str, start: pd.Timestamp, end: pd.Timestamp,
            columns: list[str]) -> pd.DataFrame:
    """Median of each distance column per period from start to end (NaN, not 0, where a period has none),
    with the number of incidents measured in each (`n_<column>`)."""
    periods = pd.period_range(start, end, freq=freq)
    p = measured["date_start"].dt.to_period(freq)
    out = pd.DataFrame({"first_day": [max(q.start_time.normalize(), start) for q in periods]})
    for c in columns:
        g = measured[c].astype(float).groupby(p)
        out[c] = g.median().reindex(periods).to_numpy()
        out[f"n_{c}"] = g.count().reindex(periods, fill_value=0).astype("int64").to_numpy()
    return out


def measure(incidents: pd.DataFrame, timeline: pd.DataFrame, coords: pd.DataFrame,
            shapes: dict[str, list[np.ndarray]], holder: str = "ru") -> pd.DataFrame:
    """Incidents (one row each) with all three distances and why a row has none: what the notebook shows."""
    held = to_held(incidents, timeline, coords, holder)
    border = to_border(incidents, border_points(shapes))
    out = pd.concat([incidents[["incident_id", "date_start", "place_name", "oblast", "geo_prec"]], held, border],
                    axis=1)
    out["km_to_russian_ground"] = nearest_ground(out["km_to_held"], out["km_to_border"])
    return out


def unmeasured(s: dict[str, object]) -> str:
    """Why incidents have no distance, from `summary`: '78 area, not a settlement; 3 no coordinates'."""
    return "; ".join(f"{s[f'incidents: {r}']} {r}" for r in REASONS[1:] if s[f"incidents: {r}"]) or "none"


def reading(measured: pd.DataFrame, pivot: pd.Timestamp | None, where: str = "") -> str:
    """What the distances can and cannot say, in words, before and from `pivot` (e.g. the first recapture)."""
    m = measured[measured["measure"] == MEASURED]
    if m.empty:
        return "No incident could be measured: nothing to read."

    def part(x: pd.DataFrame, label: str) -> str:
        if x.empty:
            return f"{label}: no incident measured"
        nearer = (x["km_to_border"] < x["km_to_held"]).mean()
        return (f"{label}: median {x['km_to_held'].median():.0f} km to the nearest Russian-held place the claims "
                f"name ({len(x)} incidents), and the border was nearer than that place for {nearer:.0%} of them")

    if pivot is None:
        body = part(m, "All incidents")
    else:
        before, after = m[m["date_start"] < pivot], m[m["date_start"] >= pivot]
        body = (part(before, f"Before {pivot.date()}{where}") + "; " + part(after, f"from {pivot.date()}"))
    return (f"{body}. These are upper bounds on the distance to the front. The control table names places as "
            "claims say they change hands and seldom the next Russian-held place, so after a recapture the "
            "nearest place it still shows as Russian-held is often far from the real front: a rise in these "
            "distances is no evidence that shelling moved away from the front.")
