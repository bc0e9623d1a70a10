"""Figures carry alt text (given, or made from the title and axes) from plots.finish to the displayed output
and into the rendered report's <img>; count axes have whole-number ticks from 0; coded text is drawn literally,
long labels are cut, and figures are byte-stable (seeded jitter)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402

from analysis.notebook import plots  # noqa: E402
from analysis.run.render import render  # noqa: E402


def test_finish_puts_the_alt_text_on_the_displayed_image():
    formatter = DisplayFormatter()  # as in a kernel: figures are formatted to PNG by the inline backend
    formatter.formatters["image/png"].for_type(plt.Figure, lambda f: print_figure(f, "png"))
    plots.theme()
    fig, ax = plt.subplots()
    ax.bar([0, 1], [2, 3])
    plots.finish(fig, "Title", note="a caveat", alt="Bar chart: 2 then 3 people killed.")
    data, meta = formatter.format(fig)
    plt.close(fig)
    assert data["text/plain"] == "Bar chart: 2 then 3 people killed."
    assert "image/png" in data
    assert meta["image/png"]["alt"] == "Bar chart: 2 then 3 people killed."


def test_the_report_writes_the_alt_text_into_the_img_tag(tmp_path: Path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    png = base64.b64encode(buf.getvalue()).decode()
    alt = 'Line from 0 to 1; "quoted" <b>not markup</b>'
    out = nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": alt},
                                 metadata={"image/png": {"alt": alt}})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()", outputs=[out])])
    nbformat.write(nb, tmp_path / "n.ipynb")
    render(tmp_path / "n.ipynb", {"title": "t"}, tmp_path / "n.html")
    img = BeautifulSoup((tmp_path / "n.html").read_text(), "html.parser").find("img")
    assert img["alt"] == alt and img["src"].startswith("data:image/png;base64,")


def test_count_axis_has_whole_number_ticks_from_zero_and_data_text_is_literal():
    plots.theme()
    fig, ax = plt.subplots()
    ax.bar([0, 1], [1, 2])
    plots.count_axis(ax)
    fig.canvas.draw()
    ticks = ax.get_yticks()
    assert ax.get_ylim()[0] == 0 and all(float(t).is_integer() for t in ticks)
    text = ax.set_title("$5 and $6 per day")
    fig.canvas.draw()
    assert text.get_text() == "$5 and $6 per day" and not text.get_parse_math()
    plt.close(fig)


def test_finish_keeps_the_alt_text_or_makes_one_from_title_and_axes():
    fig, ax = plt.subplots()
    ax.set(xlabel="day", ylabel="utterances per day (count)")
    plots.finish(fig, "Utterances per day")
    assert plots.alt_text(fig) == "Utterances per day. Plots utterances per day (count) against day."
    plots.finish(fig, "Utterances per day", alt="Bar chart of utterances per day, 100 in all.")
    assert plots.alt_text(fig) == "Bar chart of utterances per day, 100 in all."
    plt.close(fig)


def test_show_displays_the_png_with_its_alt_and_closes_the_figure(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    fig, ax = plt.subplots()
    ax.bar([0, 1], [2, 3])
    plots.finish(fig, "Two bars", alt="Two bars, 2 and 3.")
    plots.show(fig)
    (data, kw), = shown
    assert kw["metadata"] == {"image/png": {"alt": "Two bars, 2 and 3."}} and kw["raw"] is True
    assert data["text/plain"] == "[figure: Two bars, 2 and 3.]" and data["image/png"].startswith("iVBOR")
    assert not plt.fignum_exists(fig.number)


def test_count_axis_is_whole_numbers_from_zero_and_jitter_is_seeded():
    fig, ax = plt.subplots()
    ax.bar([0, 1, 2], [1, 2, 3])
    plots.count_axis(ax)
    assert ax.get_ylim()[0] == 0
    assert all(float(t).is_integer() for t in ax.get_yticks())
    plt.close(fig)
    assert np.array_equal(plots.jitter(5, seed=1), plots.jitter(5, seed=1))
    assert np.abs(plots.jitter(100, 0.25)).max() <= 0.25


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
    np.random.seed(12345)  # whatever the global generator did before, the figure is the same
    assert draw() == first


def test_a_label_on_two_lines_is_cut_line_by_line():
    two = "Kharkiv oblast: 78 incidents\nplaced only at raion or oblast level"
    assert plots.cut(two) == two  # each line is under MAX_LABEL, so nothing is lost
    assert plots.cut("x" * 50 + "\nshort") == "x" * (plots.MAX_LABEL - 1) + "…\nshort"
