"""One look for every figure: seaborn theme, colour-blind-safe palette, titles, units, source line."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = "colorblind"
SOURCE = "Source: Oskil hand-coded reports (data/processed), coded from public reports; see each row's source URL."


def theme() -> None:
    """The project's seaborn theme; call once at the top of a notebook."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (10, 4.8), "figure.dpi": 100, "savefig.dpi": 100,
                         "axes.titleweight": "bold", "axes.titlesize": 12})


def finish(fig: plt.Figure, title: str, note: str = "") -> plt.Figure:
    """Title the figure and put the source line (and a caveat) under it."""
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    text = SOURCE + (f"\n{note}" if note else "")
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, color="0.35", wrap=True)
    fig.tight_layout()
    return fig


def date_axis(ax: plt.Axes) -> None:
    """Readable date ticks (no overlapping labels) on the x axis."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def palette(n: int) -> list:
    return sns.color_palette(PALETTE, n)
