"""Maps: the project's own oblast outlines, points only for settlement-level incidents."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.notebook import maps  # noqa: E402


def test_the_outlines_are_in_the_project_and_named_as_the_gazetteer_names_oblasts():
    shapes = maps.oblasts()
    assert maps.geo_file().is_relative_to(maps.repo_root() / "data")
    assert len(shapes) == 27 and set(shapes) == set(maps.ISO_OBLAST.values())
    x0, x1, y0, y1 = maps.bounds(shapes, ["Kharkiv"])
    assert 34 < x0 < x1 < 39 and 48 < y0 < y1 < 51


def test_raion_and_oblast_rows_shade_their_oblast_instead_of_a_point():
    inc = pd.DataFrame({"place_name": ["Kupiansk", "Kupiansk", "Izium raion", "Kharkiv oblast"],
                        "latitude": [49.71, 49.71, 49.2, 49.98], "longitude": [37.62, 37.62, 37.3, 36.25],
                        "geo_prec": [1, 1, 3, 4], "oblast": ["Kharkiv"] * 4})
    fig, ax = plt.subplots()
    drawn = maps.incident_map(ax, inc, maps.oblasts())
    assert drawn == {"oblasts": ["Kharkiv"], "settlements": 1, "settlement_incidents": 2, "area_incidents": 2,
                     "top": ["Kupiansk"]}
    offsets = [c.get_offsets() for c in ax.collections if len(c.get_offsets()) and hasattr(c, "get_sizes")
               and c.get_label() == "settlement-level incidents"]
    assert len(offsets) == 1 and len(offsets[0]) == 1  # one point: Kupiansk, not the raion or oblast centres
    plt.close(fig)


def test_labels_of_nearby_places_do_not_overlap_and_land_in_the_same_place_every_time():
    def place() -> list[tuple]:
        fig, ax = plt.subplots(figsize=(6, 6))
        ax.set_xlim(36, 38)
        ax.set_ylim(49, 51)
        taken: list = []
        for name, lon in (("Chkalovske", 36.93), ("Shevchenkove", 37.17)):  # 0.24 degrees apart, same latitude
            maps.label(ax, name, lon, 49.7, 7, maps.CONTROL_SPOTS, taken)
        spots = [(t.xyann, t.get_ha()) for t in ax.texts]
        plt.close(fig)
        return spots, taken

    (spots, boxes), (again, _) = place(), place()
    assert spots == again
    a, b = boxes
    assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    assert spots[0] == ((-5, -9), "right") and spots[1] != spots[0]  # the second label moved off the first
