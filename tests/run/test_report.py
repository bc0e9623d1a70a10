"""analysis.notebook.keyfigures.key_figures: a readable table plus a machine-readable copy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.notebook import keyfigures


def test_key_figures_display_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    keyfigures.key_figures({"events": np.int64(12345), "share": 0.1234, "big": 1234567.891, "who": "x<y"})
    bundle, raw = shown[0]
    assert raw is True
    assert bundle[keyfigures.KEY_FIGURES_MIME] == {
        "events": 12345,
        "share": 0.1234,
        "big": 1234567.891,
        "who": "x<y",
    }
    assert type(bundle[keyfigures.KEY_FIGURES_MIME]["events"]) is int
    html = bundle["text/html"]
    assert "12,345" in html and "1,234,567.89" in html and "x&lt;y" in html


@pytest.mark.parametrize("bad", [math.nan, math.inf, [1, 2]])
def test_key_figures_rejects_values_json_cannot_carry(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        keyfigures.key_figures({"x": bad})


def test_format_value() -> None:
    assert keyfigures.format_value(1234) == "1,234"
    assert keyfigures.format_value(1234.0) == "1,234"
    assert keyfigures.format_value(0.01234) == "0.0123"
    assert keyfigures.format_value("n/a") == "n/a"


def test_data_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(keyfigures.DATA_DIR_ENV, str(tmp_path))
    assert keyfigures.default_data_dir() == tmp_path
