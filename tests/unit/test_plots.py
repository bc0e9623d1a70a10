"""Figure helpers without a kernel: alt text, count axes, seeded jitter."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from analysis import plots  # noqa: E402


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
