"""One look for every figure: seaborn theme, colour-blind-safe palette, titles, units, source line.

Text in figures comes from coded data (place names, claimants, stances), so it is drawn literally: theme()
turns mathtext off (`text.parse_math`, and no TeX), so '$\\frac{1}{0}$' is drawn as typed and a stray '$'
cannot break a figure; finish() cuts long labels. Random placement (strip-plot jitter) is seeded, so a
re-run draws the same pixels.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter

PALETTE = "colorblind"
SOURCE = "Source: Oskil hand-coded reports (data/processed), coded from public reports; see each row's source URL."
MAX_LABEL = 40  # characters of a tick, legend or annotation label; a longer one ends in '…'


def theme() -> None:
    """The project's seaborn theme; call once at the top of a notebook."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (10, 4.8), "figure.dpi": 100, "savefig.dpi": 100,
                         "axes.titleweight": "bold", "axes.titlesize": 12,
                         "text.parse_math": False, "text.usetex": False})


def literal(text: object) -> str:
    """Text for a figure that stays literal even where mathtext is on (a '$' becomes '\\$')."""
    return str(text).replace("$", r"\$")


def cut(text: object, limit: int = MAX_LABEL) -> str:
    """A label of at most `limit` characters."""
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def _literal_cut(t: Text, limit: int = MAX_LABEL) -> None:
    t.set_parse_math(False)
    t.set_text(cut(t.get_text(), limit))


def _cut_ticks(axis) -> None:
    fmt = axis.get_major_formatter()
    if isinstance(fmt, FixedFormatter):
        fmt.seq = [cut(s) for s in fmt.seq]
    elif type(fmt).__name__ == "StrCategoryFormatter":  # category names as tick labels
        axis.set_major_formatter(FuncFormatter(lambda x, pos, f=fmt: cut(f(x, pos))))
    for t in axis.get_ticklabels():
        _literal_cut(t)


def finish(fig: plt.Figure, title: str, note: str = "") -> plt.Figure:
    """Title the figure, put the source line (and a caveat) under it, and make every label in it literal and
    at most MAX_LABEL characters (titles 120)."""
    for ax in fig.axes:
        _cut_ticks(ax.xaxis)
        _cut_ticks(ax.yaxis)
        for t in ax.texts:
            _literal_cut(t)
        for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label):
            _literal_cut(t, 120)
        legend = ax.get_legend()
        if legend is not None:
            for t in [*legend.get_texts(), legend.get_title()]:
                _literal_cut(t)
    fig.suptitle(cut(title, 120), x=0.01, ha="left", fontsize=13, fontweight="bold", parse_math=False)
    text = SOURCE + (f"\n{note}" if note else "")
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, color="0.35", wrap=True, parse_math=False)
    fig.tight_layout()
    return fig


@contextlib.contextmanager
def seeded(seed: int = 0) -> Iterator[None]:
    """Seed numpy's global generator for the plotting inside (seaborn's strip-plot jitter draws from it), and
    put its state back after, so the figure is the same on every run."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def date_axis(ax: plt.Axes) -> None:
    """Readable date ticks (no overlapping labels) on the x axis."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def palette(n: int) -> list:
    return sns.color_palette(PALETTE, n)
