"""Rules the clean, the importers and the schema checks share, each stated once.

- great-circle distance (haversine);
- Ukraine's bounding box, and the swapped-coordinates rule (a latitude and longitude given the wrong way
  round both fall inside the other's range);
- today's date, read from the clock when a run starts (never when a module is imported: a kernel or a
  worker that lives for days must not judge 'in the future' against the day it started).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.registry.schema import UKRAINE_BOX  # the registry states the box; the rules apply it

LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = UKRAINE_BOX
EARTH_KM = 6371.0088  # the IUGG mean Earth radius
SWAPPED = "latitude then longitude (these look swapped: latitude is 44-52.5 in Ukraine)"


def inside(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """Rows whose coordinates fall inside Ukraine's box."""
    return lat.between(LAT_MIN, LAT_MAX) & lon.between(LON_MIN, LON_MAX)


def swapped(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """Rows outside the box that would be inside it with latitude and longitude exchanged."""
    return ~inside(lat, lon) & inside(lon, lat)


def haversine_km(lat1, lon1, lat2, lon2, radius_km: float = EARTH_KM) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (numpy broadcasting applies)."""
    p1, p2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dlat = p2 - p1
    dlon = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * radius_km * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def today() -> pd.Timestamp:
    """Today's date (midnight, local time), read now: call it once per run and pass it on."""
    return pd.Timestamp.today().normalize()
