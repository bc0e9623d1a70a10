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
                         "axes.titleweight": "bold", "axes.titlesize": 12,
                         "text.parse_math": False})  # labels from data are literal text: "$5" is not maths


def finish(fig: plt.Figure, title: str, note: str = "", alt: str = "") -> plt.Figure:
    """Title the figure and put the source line (and a caveat) under it. `alt` says in words what the figure
    shows, for readers who cannot see it: it goes with the image when the figure is displayed (`alt`)."""
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    text = SOURCE + (f"\n{note}" if note else "")
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, color="0.35", wrap=True)
    fig.tight_layout()
    if alt:
        with_alt(fig, alt)
    return fig


def with_alt(fig: plt.Figure, alt: str) -> plt.Figure:
    """Attach alt text to a figure: when IPython displays it (plt.show() or display(fig)), the image output
    carries it as metadata {'image/png': {'alt': ...}} (the report renderer writes it into <img alt>) and as
    the text/plain fallback, instead of '<Figure size ...>'."""
    def bundle(include=None, exclude=None) -> tuple[dict, dict]:
        return {"text/plain": alt}, {"image/png": {"alt": alt}}

    fig._repr_mimebundle_ = bundle  # IPython looks the method up on the object, so the instance's wins
    fig.oskil_alt = alt
    return fig


def show(fig: plt.Figure) -> None:
    """Display the figure as a PNG that carries its alt text (as `plots.show` on the integration branch does),
    then close it so the inline backend does not show it a second time."""
    import base64
    import io

    from IPython.display import display

    alt = getattr(fig, "oskil_alt", "") or fig.get_suptitle() or "Figure"
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    display({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": f"[figure: {alt}]"},
            raw=True, metadata={"image/png": {"alt": alt}})


def count_axis(ax: plt.Axes, axis: str = "y", nbins: int | str = "auto") -> None:
    """A count axis: whole-number ticks (never 0.25 steps), starting at 0."""
    from matplotlib.ticker import MaxNLocator

    if axis == "y":
        ax.yaxis.set_major_locator(MaxNLocator(nbins=nbins, integer=True, min_n_ticks=1))
        ax.set_ylim(bottom=0)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=nbins, integer=True, min_n_ticks=1))
        ax.set_xlim(left=0)


def no_data(what: str) -> None:
    """Say plainly that a selection is empty, instead of drawing an empty or broken chart."""
    from IPython.display import Markdown, display

    display(Markdown(f"**No data in this selection:** {what}"))


def date_axis(ax: plt.Axes) -> None:
    """Readable date ticks (no overlapping labels) on the x axis."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def palette(n: int) -> list:
    return sns.color_palette(PALETTE, n)
