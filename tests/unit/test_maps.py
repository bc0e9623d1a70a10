"""Maps: the project's own oblast outlines, points only for settlement-level incidents."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from analysis import maps  # noqa: E402


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
