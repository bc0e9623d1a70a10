"""One look for every figure: seaborn theme, colour-blind-safe palette, titles, units, source line, alt text.

Text in figures comes from coded data (place names, claimants, stances), so it is drawn literally: theme()
turns mathtext off (`text.parse_math`, and no TeX), so '$\\frac{1}{0}$' is drawn as typed and a stray '$'
cannot break a figure; finish() cuts long labels. Random placement (strip-plot jitter) is seeded (jitter,
seeded), so a re-run draws the same pixels.
"""

from __future__ import annotations

import contextlib
import weakref
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
                         "text.parse_math": False, "text.usetex": False})  # labels from data are literal


#: alt text of finished figures (read by `show`); weak keys, so closed figures are forgotten
_ALT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def literal(text: object) -> str:
    """Text for a figure that stays literal even where mathtext is on (a '$' becomes '\\$')."""
    return str(text).replace("$", r"\$")


def cut(text: object, limit: int = MAX_LABEL) -> str:
    """A label of at most `limit` characters per line (a label drawn on two lines keeps both)."""
    return "\n".join(s if len(s) <= limit else s[: limit - 1].rstrip() + "…" for s in str(text).split("\n"))


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


def finish(fig: plt.Figure, title: str, note: str = "", alt: str | None = None) -> plt.Figure:
    """Title the figure, put the source line (and a caveat) under it, and make every label in it literal and
    at most MAX_LABEL characters (titles 120). `alt` says what the figure shows, for readers who cannot see it
    (screen readers, text-only copies); without it the title and axis labels do (taken before any cutting)."""
    alt = alt or default_alt(fig, title)
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
    with_alt(fig, alt)
    return fig


def with_alt(fig: plt.Figure, alt: str) -> plt.Figure:
    """Attach alt text to a figure: when IPython displays it (plt.show() or display(fig)), the image output
    carries it as metadata {'image/png': {'alt': ...}} (the report renderer writes it into <img alt>) and as
    the text/plain fallback, instead of '<Figure size ...>'."""
    def bundle(include=None, exclude=None) -> tuple[dict, dict]:
        return {"text/plain": alt}, {"image/png": {"alt": alt}}

    _ALT[fig] = alt
    fig._repr_mimebundle_ = bundle  # IPython looks the method up on the object, so the instance's wins
    fig.oskil_alt = alt
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


def default_alt(fig: plt.Figure, title: str) -> str:
    """What a figure shows, from its title and what each panel plots against what."""
    panels = [f"{ax.get_ylabel() or 'values'} against {ax.get_xlabel() or 'categories'}"
              for ax in fig.axes if ax.get_visible() and (ax.get_xlabel() or ax.get_ylabel())]
    return f"{title}. " + ("Plots " + "; ".join(panels) + "." if panels else "")


def alt_text(fig: plt.Figure) -> str:
    """The alt text `finish` gave the figure (the default one if it was never finished with an alt)."""
    return _ALT.get(fig) or default_alt(fig, fig.get_suptitle() or "Figure")


PRINT_DPI = 200  # the PNG saved next to the report: sharp when printed at page width


def save_files(fig: plt.Figure, title: str) -> list[tuple[str, str]]:
    """Save the figure as PNG (PRINT_DPI) and SVG where the report runner asked (analysis.notebook.saved_files);
    return the (label, href) links, [] when not run by the runner. Deterministic: no date in the SVG, fixed ids."""
    from analysis.notebook.saved_files import next_name

    target = next_name("figure", title)
    if target is None:
        return []
    path, href = target
    with plt.rc_context({"svg.hashsalt": "oskil", "svg.fonttype": "path"}):
        fig.savefig(path.with_suffix(".png"), format="png", dpi=PRINT_DPI, bbox_inches="tight",
                    metadata={"Software": None})
        fig.savefig(path.with_suffix(".svg"), format="svg", bbox_inches="tight", metadata={"Date": None})
    return [(f"PNG, {PRINT_DPI} dpi", href + ".png"), ("SVG", href + ".svg")]


def show(fig: plt.Figure) -> None:
    """Display the figure as a PNG that carries its alt text (the rendered report puts it on the <img>), with
    links to its print-resolution PNG and SVG files when the report runner asked for them, then close it so the
    inline backend does not show it a second time without one."""
    import base64
    import io

    from IPython.display import display

    from analysis.notebook.saved_files import links_html

    alt = alt_text(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    links = save_files(fig, fig.get_suptitle() or alt)
    plt.close(fig)
    display({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": f"[figure: {alt}]"},
            raw=True, metadata={"image/png": {"alt": alt}})
    if links:
        display({"text/html": links_html("Figure files", links),
                 "text/plain": "Figure files: " + ", ".join(href for _, href in links)}, raw=True)


def count_axis(ax: plt.Axes, axis: str = "y", nbins: int | str = "auto") -> None:
    """A count axis: whole-number ticks (never 0.25 steps), starting at 0."""
    from matplotlib.ticker import MaxNLocator

    if axis == "y":
        ax.yaxis.set_major_locator(MaxNLocator(nbins=nbins, integer=True, min_n_ticks=1))
        ax.set_ylim(bottom=0)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=nbins, integer=True, min_n_ticks=1))
        ax.set_xlim(left=0)


def jitter(n: int, width: float = 0.25, seed: int = 0) -> np.ndarray:
    """Seeded offsets in [-width, width] for strip plots: the same figure on every run."""
    return np.random.default_rng(seed).uniform(-width, width, n)


def no_data(what: str) -> None:
    """An explicit message in place of a chart that would be empty or meaningless."""
    from IPython.display import Markdown, display

    display(Markdown(f"**No data in this selection:** {what}"))
