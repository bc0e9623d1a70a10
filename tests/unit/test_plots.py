"""Figures draw coded text literally, cut long labels, and are byte-stable (seeded jitter)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from analysis import plots  # noqa: E402

HOSTILE = ["$\\undefinedmacro{x$ Town", "$\\frac{1}{0}$", "A" * 300]


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def test_coded_text_is_drawn_literally_and_cut():
    plots.theme()
    df = pd.DataFrame({"place": HOSTILE, "n": [1, 2, 3]})
    fig, ax = plt.subplots()
    sns.barplot(data=df, y="place", x="n", hue="place", legend=True, ax=ax)  # ticks and legend from the data
    ax.annotate(HOSTILE[1], (1, 0))
    plots.finish(fig, f"Incidents at {HOSTILE[0]}")
    png(fig)  # a broken mathtext string would raise ValueError here
    labels = [t.get_text() for t in ax.get_yticklabels()] + [t.get_text() for t in ax.get_legend().get_texts()]
    assert "$\\frac{1}{0}$" in labels  # drawn as typed, not as a fraction
    assert all(len(t) <= plots.MAX_LABEL for t in labels)
    assert all(not t.get_parse_math() for t in [*ax.get_yticklabels(), *ax.texts])


def test_the_diplomacy_strip_plot_is_byte_stable():
    plots.theme()
    days = pd.date_range("2022-09-01", periods=40, freq="D")
    st = pd.DataFrame({"date_start": days.repeat(3), "speaker_group": ["UA", "RU", "third parties"] * 40,
                       "stance": ["for", "against", "neutral", "unclear"] * 30})

    def draw() -> bytes:
        fig, ax = plt.subplots(figsize=(6, 3))
        with plots.seeded(0):
            sns.stripplot(data=st, x="date_start", y="speaker_group", hue="stance", jitter=0.25, ax=ax,
                          native_scale=True)
        plots.finish(fig, "Statements")
        return png(fig)

    first = draw()
    import numpy as np

    np.random.seed(12345)  # whatever the global generator did before, the figure is the same
    assert draw() == first
