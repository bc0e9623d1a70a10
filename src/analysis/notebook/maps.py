"""Maps drawn with matplotlib from the project's copy of the geoBoundaries oblast outlines (data/geo/).

Settlement-level incidents (geo_prec 1-2) are points; raion- and oblast-level ones (geo_prec 3-4) cannot be
placed on a town, so they shade their oblast and are counted in its label. Nothing is fetched at run time.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.support.paths import repo_root

#: ISO 3166-2 code of each outline -> the gazetteer's oblast name
ISO_OBLAST = {"UA-05": "Vinnytsia", "UA-07": "Volyn", "UA-09": "Luhansk", "UA-12": "Dnipropetrovsk",
              "UA-14": "Donetsk", "UA-18": "Zhytomyr", "UA-21": "Zakarpattia", "UA-23": "Zaporizhzhia",
              "UA-26": "Ivano-Frankivsk", "UA-30": "Kyiv City", "UA-32": "Kyiv", "UA-35": "Kirovohrad",
              "UA-40": "Sevastopol", "UA-43": "Crimea", "UA-46": "Lviv", "UA-48": "Mykolaiv", "UA-51": "Odesa",
              "UA-53": "Poltava", "UA-56": "Rivne", "UA-59": "Sumy", "UA-61": "Ternopil", "UA-63": "Kharkiv",
              "UA-65": "Kherson", "UA-68": "Khmelnytskyi", "UA-71": "Cherkasy", "UA-74": "Chernihiv",
              "UA-77": "Chernivtsi"}
#: where a label may go relative to its point (offset in points, horizontal alignment), in order of preference
INCIDENT_SPOTS = (((5, 4), "left"), ((5, -12), "left"), ((-5, 4), "right"), ((-5, -12), "right"))
CONTROL_SPOTS = (((-5, -9), "right"), ((5, -9), "left"), ((-5, 5), "right"), ((5, 5), "left"), ((0, -18), "center"),
                 ((0, 12), "center"))
HOLDER_STYLE = {"ua": ("#0072B2", "Ukrainian control"), "ru": ("#D55E00", "Russian control"),
                "changing hands": ("0.55", "changing hands"), "unknown": ("white", "unknown")}


def geo_file() -> Path:
    return repo_root() / "data" / "geo" / "ukraine-adm1.geojson"


def oblasts(path: str | Path | None = None) -> dict[str, list[np.ndarray]]:
    """Outline rings (lon, lat arrays) of every oblast, keyed by the gazetteer's oblast name."""
    data = json.loads(Path(path or geo_file()).read_text(encoding="utf-8"))
    out: dict[str, list[np.ndarray]] = {}
    for f in data["features"]:
        g = f["geometry"]
        polygons = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        name = ISO_OBLAST.get(f["properties"].get("shapeISO"), f["properties"].get("shapeName"))
        out[name] = [np.asarray(ring, dtype=float)[:, :2] for poly in polygons for ring in poly]
    return out


def bounds(shapes: dict[str, list[np.ndarray]], names) -> tuple[float, float, float, float]:
    """lon_min, lon_max, lat_min, lat_max of the named oblasts (all of them if none is named)."""
    rings = [r for n in (names or shapes) if n in shapes for r in shapes[n]] or [r for v in shapes.values() for r in v]
    xy = np.vstack(rings)
    return xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max()


def draw_oblasts(ax, shapes: dict[str, list[np.ndarray]], values: dict[str, float] | None = None,
                 cmap: str = "Greys", vmax: float | None = None):
    """Oblast outlines as one PathCollection; oblasts in `values` shaded by their value (0 = white)."""
    from matplotlib.collections import PathCollection
    from matplotlib.colors import Normalize
    from matplotlib.path import Path as MPath

    names = sorted(shapes)
    paths = [MPath.make_compound_path(*[MPath(r, closed=True) for r in shapes[n]]) for n in names]
    vals = np.array([(values or {}).get(n, 0.0) for n in names], dtype=float)
    norm = Normalize(0, vmax or max(vals.max(), 1.0))
    import matplotlib as mpl

    colours = mpl.colormaps[cmap](0.1 + norm(vals) * 0.25)  # light shades: points stay visible on top
    colours[vals == 0] = (1, 1, 1, 1)
    coll = PathCollection(paths, facecolors=colours, edgecolors="0.35", linewidths=0.6, zorder=1)
    ax.add_collection(coll)
    return coll


def incident_map(ax, incidents: pd.DataFrame, shapes: dict[str, list[np.ndarray]],
                 control_at: pd.DataFrame | None = None, labels: int = 8) -> dict:
    """Settlement-level incidents as points sized by count, raion- and oblast-level incidents as the shade and
    label of their oblast, and (optionally) the control status of claimed settlements on a day
    (`control_at`: place_name, latitude, longitude, status). Returns what was drawn, for the alt text."""
    from matplotlib import patheffects

    settle = incidents[incidents["geo_prec"] <= 2]
    area = incidents[incidents["geo_prec"].isin([3, 4])]
    per_area = area.groupby("oblast").size()
    shown = sorted(set(incidents["oblast"]) & set(shapes))
    draw_oblasts(ax, shapes, per_area.to_dict())
    x0, x1, y0, y1 = bounds(shapes, shown)
    pad = 0.4
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.apply_aspect()  # so that label placement below sees the final scale
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    taken: list[tuple[float, float, float, float]] = []
    pts = (settle.groupby(["place_name", "latitude", "longitude"]).size().rename("incidents").reset_index()
           .sort_values(["incidents", "place_name"], ascending=[False, True]))
    if len(pts):
        ax.scatter(pts["longitude"], pts["latitude"], s=12 + 18 * np.sqrt(pts["incidents"]), color="#333333",
                   alpha=0.6, edgecolor="white", linewidth=0.5, zorder=3, label="settlement-level incidents")
        for r in pts.head(labels).itertuples():
            label(ax, f"{r.place_name} ({r.incidents})", r.longitude, r.latitude, 8, INCIDENT_SPOTS, taken,
                  zorder=5, path_effects=halo)
    if control_at is not None and len(control_at):
        for status, (colour, name) in HOLDER_STYLE.items():
            c = control_at[control_at["status"] == status]
            if len(c):
                ax.scatter(c["longitude"], c["latitude"], marker="^", s=45, color=colour, edgecolor="black",
                           linewidth=0.6, zorder=4, label=f"{name} (claims)")
        labelled = set(pts.head(labels)["place_name"])
        rest = control_at[~control_at["place_name"].isin(labelled)].sort_values(["longitude", "latitude"])
        for r in rest.itertuples():
            label(ax, r.place_name, r.longitude, r.latitude, 7, CONTROL_SPOTS, taken, color="0.25", zorder=5,
                  path_effects=halo)
    for name in shown:
        if per_area.get(name, 0):
            xy = np.vstack(shapes[name])
            ax.annotate(f"{name} oblast: {per_area[name]} incidents\nplaced only at raion or oblast level",
                        (xy[:, 0].mean(), xy[:, 1].min()),
                        xytext=(0, 6), textcoords="offset points", ha="center", va="bottom", fontsize=8,
                        style="italic", zorder=5, path_effects=halo)
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.grid(False)
    return {"oblasts": shown, "settlements": len(pts), "settlement_incidents": int(pts["incidents"].sum()),
            "area_incidents": int(len(area)), "top": pts.head(3)["place_name"].tolist()}


def label(ax, text: str, lon: float, lat: float, fontsize: float, spots, taken: list, **kw) -> None:
    """Annotate a point at the first of `spots` where the label's box (estimated from its length, in pixels)
    overlaps no label placed before (`taken`, updated); the first spot if none is free. Deterministic: the
    same points in the same order get the same places."""
    px = ax.figure.dpi / 72
    x, y = ax.transData.transform((lon, lat))
    w, h = 0.6 * fontsize * len(text) * px, 1.3 * fontsize * px
    boxes = []
    for (dx, dy), ha in spots:
        left = x + dx * px - {"left": 0, "right": w, "center": w / 2}[ha]
        boxes.append(((dx, dy), ha, (left, y + dy * px, left + w, y + dy * px + h)))
    free = [b for b in boxes if not any(b[2][0] < t[2] and t[0] < b[2][2] and b[2][1] < t[3] and t[1] < b[2][3]
                                        for t in taken)]
    (dx, dy), ha, box = (free or boxes)[0]
    taken.append(box)
    ax.annotate(text, (lon, lat), xytext=(dx, dy), textcoords="offset points", ha=ha, va="bottom",
                fontsize=fontsize, **kw)
