"""Execute every notebook through papermill on the shipped data, on other parameters, and on bad ones.

The key figures a notebook reports must equal what the helpers compute directly on the same data,
and a bad parameter must stop the run in the first cell after the parameters with a clear message.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from analysis import casualties, control, diplomacy, shelling
from analysis.load import load
from analysis.run.execute import extract_key_figures

pytestmark = [pytest.mark.slow, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks"
START, END = pd.Timestamp("2022-08-15"), pd.Timestamp("2022-11-15")


def run(name: str, out: Path, **params) -> nbformat.NotebookNode:
    pm.execute_notebook(str(NB / f"{name}.ipynb"), str(out), parameters=params, kernel_name="python3",
                        cwd=str(NB), progress_bar=False)
    return nbformat.read(out, as_version=4)


def test_notebooks_are_stored_without_outputs_and_have_one_parameters_cell():
    for path in NB.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1, path.name


def test_shelling_defaults_match_helpers(processed: Path, tmp_path: Path):
    nb = run("shelling_patterns", tmp_path / "s.ipynb", data_dir=str(processed))
    kf = extract_key_figures(nb)
    t = load(processed)
    ev = shelling.select(shelling.scope(t["events"], t["coverage"]), START, END, max_date_prec=2)
    inc = shelling.incidents(ev)
    assert kf["event reports"] == len(ev) > 300  # the default scope: the continuously covered record
    assert kf["incidents"] == len(inc)
    assert kf["sources"] == ev["source_id"].nunique()
    # the pivot counts Izium itself, not its raion (it used to count raion-level rows under the town's name)
    pc = shelling.pivot_change(ev, "Izium", pd.Timestamp("2022-09-10"), 30, START, END, "place")
    assert kf["incidents at Izium, before 2022-09-10"] == pc.loc[0, "incidents"]
    assert kf["incidents at Izium, after 2022-09-10"] == pc.loc[1, "incidents"]
    assert kf["days before pivot in period"] == 26 and kf["days after pivot in period"] == 30
    raion = shelling.pivot_change(ev, "Izium", pd.Timestamp("2022-09-10"), 30, START, END, "raion", "Izium")
    assert raion["incidents"].sum() > pc["incidents"].sum()
    # the recapture study
    tl = control.timeline(t["control"])
    rec = control.recaptures(tl)
    rec = rec[rec["oblast"].isin(set(ev["oblast"]))]
    comparison = shelling.comparison_places(ev, control.ever_claimed(t["control"]))
    _, did = shelling.recapture_did(ev, rec, comparison, START, END, 30)
    assert kf["recaptured settlements in the study"] == did["settlements"] > 5
    assert kf["comparison places"] == did["comparison places"] > 5
    assert kf["incidents at recaptured settlements, after"] == did["incidents after"]
    assert kf["difference in differences (incidents per settlement-day)"] == round(did["estimate"], 4)
    assert kf["95% interval, low"] == round(did["low"], 4) and kf["95% interval, high"] == round(did["high"], 4)
    assert kf["sources per day, before windows"] == round(did["sources per day before"], 3)
    # every figure says what it shows
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 5
    assert all(o.get("metadata", {}).get("image/png", {}).get("alt") for o in images)


def test_shelling_other_parameters(processed: Path, tmp_path: Path):
    nb = run("shelling_patterns", tmp_path / "s2.ipynb", data_dir=str(processed), start_date="2022-09-01",
             end_date="2022-10-15", oblast="Kharkiv", freq="D", weapon="all", pivot_place="Kupiansk",
             pivot_scope="raion", pivot_date="2022-09-10", window_days=14, map_date="2022-09-05", max_date_prec=1)
    kf = extract_key_figures(nb)
    t = load(processed)
    s, e = pd.Timestamp("2022-09-01"), pd.Timestamp("2022-10-15")
    ev = shelling.select(shelling.scope(t["events"], t["coverage"]), s, e, "Kharkiv", "all", 1)
    assert kf["event reports"] == len(ev) > 0
    assert set(ev["oblast"]) == {"Kharkiv"}
    pc = shelling.pivot_change(ev, "Kupiansk", pd.Timestamp("2022-09-10"), 14, s, e, "raion", "Kupiansk")
    assert kf["days before pivot in period"] == 9  # clipped: 1 to 9 September
    assert kf["incidents at Kupiansk raion (all rows), before 2022-09-10"] == pc.loc[0, "incidents"]
    assert kf["incidents at Kupiansk raion (all rows), after 2022-09-10"] == pc.loc[1, "incidents"]


def test_shelling_empty_selection_says_so(processed: Path, tmp_path: Path):
    nb = run("shelling_patterns", tmp_path / "s3.ipynb", data_dir=str(processed), weapon="tank",
             oblast="Lviv", scope="all")
    kf = extract_key_figures(nb)
    assert kf["incidents"] == 0
    text = "".join(o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/plain", "")
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "No data in this selection" in text
    assert not any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_casualties_defaults_and_high_estimate(processed: Path, tmp_path: Path):
    cas_all = load(processed)["casualties"]
    for est, civ in (("best", False), ("high", True)):
        nb = run("casualty_reports", tmp_path / f"c-{est}.ipynb", data_dir=str(processed), estimate=est,
                 civilians_only=civ)
        kf = extract_key_figures(nb)
        inc = casualties.per_incident(casualties.select(cas_all, START, END, "all", civ))
        assert kf["incidents with new figures"] == len(inc)
        assert kf[f"killed ({est})"] == casualties.headline(inc, "killed", est)


def test_diplomacy_defaults_and_subset(processed: Path, tmp_path: Path):
    t = load(processed)
    nb = run("diplomatic_timing", tmp_path / "d.ipynb", data_dir=str(processed), speakers=["UA", "RU"],
             window_days=7, event_types=["control_took", "control_lost"], n_perm=300)
    kf = extract_key_figures(nb)
    st = t["statements"].assign(speaker_group=lambda d: diplomacy.speaker_group(d))
    reports = diplomacy.select(st, START, END, ["UA", "RU"])
    st = diplomacy.utterances(reports)
    assert kf["statement reports (dated within 6 days)"] == len(reports)
    assert kf["utterances"] == len(st) < len(reports)
    ctl = t["control"][(t["control"]["date_start"] >= START) & (t["control"]["date_end"] <= END)]
    be = diplomacy.battlefield_events(ctl, t["events"].iloc[0:0], ["control_took", "control_lost"])
    assert kf["battlefield events"] == len(be)
    res = diplomacy.window_rate(be, st, START, END, 7, 300)
    assert kf["one-sided p-value"] == res["p_value"]


@pytest.mark.parametrize(("name", "params", "message"), [
    ("shelling_patterns", {"start_date": "2022-10-01", "end_date": "2022-09-01"}, "end_date='2022-09-01'"),
    ("shelling_patterns", {"oblast": "Atlantis"}, "oblast='Atlantis'"),
    ("shelling_patterns", {"freq": "Q"}, "freq='Q'"),
    ("diplomatic_timing", {"window_days": -3}, "window_days=-3"),
    ("casualty_reports", {"estimate": "__import__('os').system('touch /tmp/oskil-pwned')"}, "estimate="),
    ("casualty_reports", {"data_dir": "/etc"}, "data_dir='/etc'"),
])
def test_bad_parameter_stops_in_the_first_cell_after_parameters(processed, tmp_path, name, params, message):
    params = {"data_dir": str(processed), **params}
    with pytest.raises(pm.PapermillExecutionError) as err:
        run(name, tmp_path / "bad.ipynb", **params)
    assert "ParameterError" in err.value.ename
    assert message in err.value.evalue and "expected" in err.value.evalue
    nb = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]  # papermill adds markdown error banners
    injected = next(i for i, c in enumerate(code) if "injected-parameters" in c.metadata.get("tags", []))
    failing = next(i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.outputs))
    assert failing == injected + 1
    assert not Path("/tmp/oskil-pwned").exists()


def test_every_notebook_runs_on_an_imported_acled_export(processed: Path, tmp_path: Path):
    """Analysts' own data: the importer's tables are enough for all three notebooks."""
    from analysis.cli import main

    out = tmp_path / "acled"
    fixture = ROOT / "tests" / "importers" / "fixtures" / "acled_sample.csv"
    assert main(["import", "acled", str(fixture), "--out", str(out), "--gazetteer", str(processed)]) == 0
    figures = {}
    for name in ("shelling_patterns", "casualty_reports", "diplomatic_timing"):
        figures[name] = extract_key_figures(run(name, tmp_path / f"{name}.ipynb", data_dir=str(out)))
        assert figures[name], name
    ev = load(out)["events"]
    kf = figures["shelling_patterns"]
    assert kf["event reports"] == len(shelling.select(ev, START, END, max_date_prec=2))
