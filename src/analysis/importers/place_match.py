"""Matching an export's places to the gazetteer (PlaceResolver): once per distinct place key (its three place
names and its coordinates to ~1 km), the rest kept as import places at the export's own coordinates. The keys of
a batch (batch_keys) are a function of the batch alone, worked out on the thread that prepares it; the lookups,
which hold the resolver's state, are made in file order (importers/common.py, importers/dask_engine.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.clean import arrow_lookup, places, rules

_ADMIN_WORD = re.compile(r"\b(?:raion|rayon|district|oblast|province)\b", re.IGNORECASE)
MAX_KM = 25.0  # a gazetteer place further than this from the export's own coordinates is not the same place


def slug(text: str) -> str:
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "unnamed"


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """rules.haversine_km on the 6,371.0 km sphere the importers' distance thresholds were set on."""
    return rules.haversine_km(lat1, lon1, lat2, lon2, radius_km=6371.0)


KEY_NAMES = ["place_reported", "raion_reported", "oblast_reported"]
KEY_COLS = [*KEY_NAMES, "lat_key", "lon_key"]  # coordinates to ~1 km: one name can be two places


def place_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Each row's place key: its three place names (missing where empty) and coordinates rounded to ~1 km.
    The names stay text columns: only the first row of each key becomes Python values (batch_keys)."""
    keys = df[KEY_NAMES].copy()
    keys["lat_key"], keys["lon_key"] = df["lat_f"].round(2), df["lon_f"].round(2)
    return keys


def _key_codes(keys: pd.DataFrame) -> np.ndarray:
    """One integer per row for its whole key (KEY_COLS; missing names equal to each other, as drop_duplicates
    and merge treat them), numbered in order of first appearance."""
    return arrow_lookup.group_codes(*(keys[c] for c in KEY_COLS))


def _first_rows(keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(each row's key code, the position of the first row of each code, in code order = row order)."""
    joint = _key_codes(keys)
    return joint, np.unique(joint, return_index=True)[1]


def lookup(cache: dict[tuple, tuple[str | None, str]], found: BatchKeys) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(place_id, place_match, error) per row of a batch whose keys the cache holds (PlaceResolver.learn of
    found.rows): looked up once per distinct key and spread to the rows by the key's code."""
    return _placed([cache[row[:5]] for row in found.rows], found.joint, found.index)


def _placed(res: list[tuple[str | None, str]], joint: np.ndarray, index: pd.Index
            ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(place_id, place_match, error) per row from each key's (place_id, how) (res, in key code order)."""
    pid, how = (_spread(pd.Series([r[i] for r in res]), joint, index) for i in (0, 1))
    return pid, how.where(pid.notna()), how.where(pid.isna())


def _first_tuples(keys: pd.DataFrame, df: pd.DataFrame, first: np.ndarray) -> list[tuple]:
    """The first row of each distinct key with its exact coordinates, as tuples (place, raion, oblast, lat_key,
    lon_key, lat_f, lon_f): Python values, None where a name is empty (what the resolver's cache is keyed on and
    PlaceResolver._one receives), made column by column from the first rows (itertuples over a frame of object
    columns cost a few milliseconds a batch)."""
    columns = [*(keys[c] for c in KEY_COLS), df["lat_f"], df["lon_f"]]
    return list(zip(*(_python_values(c, first) for c in columns), strict=True))


class BatchKeys(NamedTuple):
    """A batch's place keys as PlaceResolver.resolve reads them: each row's key code, the first row of each key
    as a tuple (_first_tuples), and the batch's index."""

    joint: np.ndarray
    rows: list[tuple]
    index: pd.Index


def batch_keys(df: pd.DataFrame) -> BatchKeys:
    """The place keys of a batch (rows with place_reported, raion_reported, oblast_reported, lat_f, lon_f): a
    function of the batch alone, so it can be worked out away from the resolver."""
    keys = place_keys(df)
    joint, first = _first_rows(keys)
    return BatchKeys(joint, _first_tuples(keys, df, first), keys.index)


def _python_values(s: pd.Series, at: np.ndarray) -> list:
    """s's values at positions `at` as Python objects: str (None where missing) or float."""
    if pd.api.types.is_float_dtype(s.dtype):
        return s.to_numpy(dtype="float64")[at].tolist()
    return arrow_lookup.arrow(s).take(pa.array(at)).to_pylist()


def _spread(per_key: pd.Series, joint: np.ndarray, index: pd.Index) -> pd.Series:
    """Each row's value from its key's (per_key: one per key code; the dtype pandas infers for the values,
    as the merge this replaces gave)."""
    return pd.Series(per_key.array.take(joint), index=index)


class PlaceResolver:
    """Match export places to the gazetteer once per distinct (place, raion, oblast); keep the rest as
    import places ('<prefix>:<slug>') at the export's own coordinates."""

    def __init__(self, gaz: pd.DataFrame, prefix: str):
        self.gaz = places.Gazetteer(gaz)
        self.frame = gaz.set_index("place_id")
        self.prefix = prefix
        self.oblast_names = {str(o).casefold(): o for o in gaz["oblast"].dropna().unique()}
        self.cache: dict[tuple, tuple[str | None, str]] = {}
        self.imported: dict[str, dict] = {}
        # the gazetteer's columns that _near and _nearest read, as numpy arrays by position: they run once per
        # distinct place of the export (thousands), where a pandas lookup per call cost milliseconds each
        self._pos = {pid: i for i, pid in enumerate(self.frame.index)}
        self._lat = self.frame["latitude"].to_numpy(dtype="float64", na_value=np.nan)
        self._lon = self.frame["longitude"].to_numpy(dtype="float64", na_value=np.nan)
        self._settlement = ~self.frame["place_type"].isin(["raion", "oblast"]).to_numpy(dtype=bool)
        self._oblast_at = self.frame["oblast"].to_numpy(dtype=object, na_value=None)
        self._oblasts: dict[str, str | None] = {}  # _oblast()'s answers

    def _near(self, pid: str, lat: float, lon: float) -> bool:
        i = self._pos[pid]
        return bool(haversine_km(float(self._lat[i]), float(self._lon[i]), lat, lon) <= MAX_KM)

    def _nearest(self, place: str, obl: str | None, lat: float, lon: float) -> str | None:
        """The gazetteer place (not a raion or oblast; in oblast `obl` when given) named like `place` that is
        nearest to (lat, lon), if within MAX_KM; ties go to the first id in sorted order."""
        cands = set(self.gaz.by_fold.get(places.fold(place) or "", [])) | set(
            self.gaz.by_skel.get(places.skeleton(place) or "", []))
        at = np.array([self._pos[c] for c in sorted(cands)], dtype="int64")
        at = at[self._settlement[at]]
        if obl:
            at = at[self._oblast_at[at] == obl]
        if not len(at):
            return None
        km = haversine_km(self._lat[at], self._lon[at], lat, lon)
        i = int(np.argmin(km))
        return str(self.frame.index[at[i]]) if km[i] <= MAX_KM else None

    def _oblast(self, reported: str) -> str | None:
        """gaz.oblast(reported), worked out once per spelling (an export names a few dozen oblasts, in thousands
        of distinct place keys)."""
        if reported not in self._oblasts:
            self._oblasts[reported] = self.gaz.oblast(reported)
        return self._oblasts[reported]

    def _one(self, place, raion, oblast, lat, lon) -> tuple[str | None, str]:
        obl = self._oblast(oblast) if oblast else None
        if oblast and obl is None:
            # an oblast the gazetteer's own rows use but admin_key() does not fold to it ('Kyiv City')
            obl = self.oblast_names.get(str(oblast).strip().casefold())
            if obl is None:
                return None, f"an oblast of Ukraine (the gazetteer does not know {oblast!r})"
            pid, how = self.gaz.match_one(place, raion, None)
            if pid is not None and self.frame.at[pid, "oblast"] != obl:
                pid = None
        else:
            pid, how = self.gaz.match_one(place, raion, oblast)
        if pid is not None and (place is None or self._near(pid, lat, lon)):
            return pid, how
        if place:
            near = self._nearest(place, obl, lat, lon)
            if near:
                return near, "nearest"
        if obl is None:
            return None, "an oblast (admin1) for a place that is not in the gazetteer"
        name = place or (raion if raion and _ADMIN_WORD.search(raion) else f"{raion} raion" if raion
                         else f"{obl} oblast")
        base = f"{self.prefix}:{slug(' '.join(x for x in (obl, raion, place) if x))}"
        pid, n = base, 1
        while pid in self.imported and haversine_km(self.imported[pid]["latitude"],
                                                    self.imported[pid]["longitude"], lat, lon) > MAX_KM:
            n += 1  # the same name and admin units, but another place: 'acled:donetsk-mykolaivka-2'
            pid = f"{base}-{n}"
        self.imported.setdefault(pid, {"place_name": name, "raion": raion, "oblast": obl, "latitude": lat,
                                       "longitude": lon, "gaz_geo_prec": pd.NA})
        return pid, "import"

    def learn(self, first: Iterable[tuple]) -> None:
        """Resolve the keys of first rows (BatchKeys.rows, of one batch or of several in file order) not seen
        before, in order (an import place's id depends on the import places met before it)."""
        for row in first:
            k = row[:5]
            if k not in self.cache:
                self.cache[k] = self._one(*row[:3], *row[5:])

    def resolve(self, df: pd.DataFrame, found: BatchKeys | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
        """(place_id, place_match, error) per row of df (place_reported, raion_reported, oblast_reported,
        lat_f, lon_f). found: batch_keys(df), when already worked out (the import does it on the thread that
        prepares the batch; only the lookups, which hold the resolver's state, are made here)."""
        found = found or batch_keys(df)
        self.learn(found.rows)
        return lookup(self.cache, found)

    def table(self, used: pd.Index) -> pd.DataFrame:
        """Place columns for every place id used, gazetteer places and imported ones."""
        g = self.frame.reindex(used[used.isin(self.frame.index)])
        out = pd.DataFrame({"place_name": g["name"], "raion": g["raion"], "oblast": g["oblast"],
                            "latitude": g["latitude"], "longitude": g["longitude"], "gaz_geo_prec": g["geo_prec"]})
        imp = pd.DataFrame.from_dict(self.imported, orient="index")
        imp = imp.reindex(used[used.isin(imp.index)]) if len(imp) else imp
        out = pd.concat([out, imp]) if len(imp) else out
        out.index.name = "place_id"
        return out
