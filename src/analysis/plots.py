"""One look for every figure: seaborn theme, colour-blind-safe palette, titles, units, source line, alt text."""

from __future__ import annotations

import weakref

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

PALETTE = "colorblind"
SOURCE = "Source: Oskil hand-coded reports (data/processed), coded from public reports; see each row's source URL."


def theme() -> None:
    """The project's seaborn theme; call once at the top of a notebook."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (10, 4.8), "figure.dpi": 100, "savefig.dpi": 100,
                         "axes.titleweight": "bold", "axes.titlesize": 12})


#: alt text of finished figures (read by `show`); weak keys, so closed figures are forgotten
_ALT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def finish(fig: plt.Figure, title: str, note: str = "", alt: str | None = None) -> plt.Figure:
    """Title the figure and put the source line (and a caveat) under it. `alt` says what the figure shows, for
    readers who cannot see it (screen readers, text-only copies); without it the title and axis labels are."""
    _ALT[fig] = alt or default_alt(fig, title)
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


def default_alt(fig: plt.Figure, title: str) -> str:
    """What a figure shows, from its title and what each panel plots against what."""
    panels = [f"{ax.get_ylabel() or 'values'} against {ax.get_xlabel() or 'categories'}"
              for ax in fig.axes if ax.get_visible() and (ax.get_xlabel() or ax.get_ylabel())]
    return f"{title}. " + ("Plots " + "; ".join(panels) + "." if panels else "")


def alt_text(fig: plt.Figure) -> str:
    """The alt text `finish` gave the figure (the default one if it was never finished with an alt)."""
    return _ALT.get(fig) or default_alt(fig, fig.get_suptitle() or "Figure")


def show(fig: plt.Figure) -> None:
    """Display the figure as a PNG that carries its alt text (the rendered report puts it on the <img>), then
    close it so the inline backend does not show it a second time without one."""
    import base64
    import io

    from IPython.display import display

    alt = alt_text(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    display({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": f"[figure: {alt}]"},
            raw=True, metadata={"image/png": {"alt": alt}})


def count_axis(ax: plt.Axes, axis: str = "y") -> None:
    """Whole-number ticks starting at 0, for counts."""
    from matplotlib.ticker import MaxNLocator

    getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(integer=True))
    (ax.set_ylim if axis == "y" else ax.set_xlim)(0, None)


def jitter(n: int, width: float = 0.25, seed: int = 0) -> np.ndarray:
    """Seeded offsets in [-width, width] for strip plots: the same figure on every run."""
    return np.random.default_rng(seed).uniform(-width, width, n)


def no_data(what: str) -> None:
    """An explicit message in place of a chart that would be empty or meaningless."""
    from IPython.display import Markdown, display

    display(Markdown(f"**No data in this selection:** {what}"))
