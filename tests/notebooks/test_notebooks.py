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

from analysis.notebook import casualties, control, diplomacy, front, maps, shelling
from analysis.notebook.load import load, within
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
    # distance to the front: every settlement-level incident measured, raion/oblast rows counted apart
    fr = front.measure(inc, tl, t["gazetteer"], maps.oblasts())
    fs = front.summary(fr)
    assert {k: kf[k] for k in fs} == fs
    assert kf["incidents: measured"] == int((inc["geo_prec"] <= 2).sum()) > 100
    assert kf["incidents: area, not a settlement"] == int((inc["geo_prec"] >= 3).sum()) > 0
    assert 25 < kf["median km to the border (Sumy-Kharkiv-Luhansk stretch)"] < 45  # Kharkiv city weighs most
    # every figure says what it shows
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 6
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


def casualty_figures(t: dict[str, pd.DataFrame], oblast: str, est: str, civ: bool) -> dict[str, object]:
    """The casualty notebook's key figures, computed directly by the helpers."""
    from analysis.notebook.load import within

    cas = casualties.select(t["casualties"], START, END, oblast, civ)
    inc = casualties.per_incident(cas)

    def group(by: str, m: str, g: str) -> object:
        b = casualties.by_group(casualties.composition(cas, by, m, estimate=est)).set_index("group")
        return b.loc[g, "shown"] if g in b.index else 0

    check = casualties.tally_check(within(t["tallies"], START, END, oblast), inc)
    summary = casualties.tally_summary(check).set_index("measure")
    return {
        "casualty reports": len(cas), "incidents with new figures": len(inc),
        f"killed ({est})": casualties.headline(inc, "killed", est),
        f"injured ({est})": casualties.headline(inc, "injured", est),
        f"civilians killed ({est})": group("victim_group", "killed", "civilian"),
        f"children killed ({est})": group("age", "killed", casualties.CHILD),
        f"children injured ({est})": group("age", "injured", casualties.CHILD),
        "incidents where reports disagree": int(inc["disagreement"].sum()),
        "running-total series (never summed)": casualties.cumulative_series(cas)["series"].nunique(),
        "sources": cas["source_id"].nunique(),
        "tally periods": len(check),
        "daily tally periods with a killed figure": int(summary.loc["killed", "tally periods with a figure"]),
        "of which coded killed below the tally": int(summary.loc["killed", "coded below tally"]),
        "of which still below with incidents running past the period":
            int(summary.loc["killed", "below even with straddling incidents"]),
    }


def test_casualties_defaults_and_high_estimate(processed: Path, tmp_path: Path):
    t = load(processed)
    for est, civ, oblast in (("best", False, "Kharkiv"), ("high", True, "all")):
        params = {"estimate": est, "civilians_only": civ} if est == "high" else {}
        if oblast != "Kharkiv":
            params["oblast"] = oblast
        nb = run("casualty_reports", tmp_path / f"c-{est}.ipynb", data_dir=str(processed), **params)
        kf = extract_key_figures(nb)
        assert kf == casualty_figures(t, oblast, est, civ)
        # per reconciled incident, never summed over reports: civilians within the total
        killed = kf[f"killed ({est})"]
        floor = int(str(killed).removeprefix("at least ").replace(",", ""))
        assert int(str(kf[f"civilians killed ({est})"]).removeprefix("at least ").replace(",", "")) <= floor
        images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
        assert len(images) >= 6 and all(o.metadata["image/png"]["alt"] for o in images)


def diplomacy_direct(t: dict, k: int, speakers="all", topics="all", stances="all", kind="control_change",
                     gap=3, prec=1) -> tuple[dict, dict]:
    """The diplomacy notebook's key figures and event study, computed straight from the helpers."""
    st = t["statements"].assign(speaker_group=lambda d: diplomacy.speaker_group(d))
    speakers = ["UA", "RU", "third parties"] if speakers == "all" else speakers
    reports = diplomacy.select(st, START, END, speakers, prec, topics, stances)
    utts = diplomacy.utterances(reports)
    ctl = diplomacy.settlements(within(t["control"], START, END), t["gazetteer"])
    eps = diplomacy.battlefield_episodes(ctl, within(t["events"], START, END), kind, gap)
    res = diplomacy.event_study(diplomacy.daily_counts(utts, START, END), eps["day"], k)
    return diplomacy.figures(reports, utts, eps, res), res


def test_diplomacy_defaults_match_helpers(processed: Path, tmp_path: Path):
    t = load(processed)
    kf = extract_key_figures(run("diplomatic_timing", tmp_path / "d.ipynb", data_dir=str(processed)))
    direct, res = diplomacy_direct(t, 3)
    assert kf == direct
    assert kf["utterances"] < kf["statement reports"]  # reports of one statement counted once
    assert kf["battlefield episodes"] < kf["reports behind the episodes"]  # one recapture, many reports
    assert kf["event days"] == res["event_days"] >= 5
    assert kf["95% interval, low"] <= kf["excess over the circular-shift null (utterances per day)"] \
        <= kf["95% interval, high"]
    assert kf["p-value"].endswith(f"(one-sided, {res['days'] - 1} circular shifts)")


def test_diplomacy_subset_topics_stances_and_strikes(processed: Path, tmp_path: Path):
    t = load(processed)
    params = {"speakers": ["UA", "RU"], "topics": ["negotiations", "peace_talks"],
              "stances": ["rejects", "conditional", "open", "proposes", "mediates"], "event_kind": "major_strike",
              "window_days": 7, "gap_days": 1, "max_date_prec": 2}
    kf = extract_key_figures(run("diplomatic_timing", tmp_path / "d2.ipynb", data_dir=str(processed), **params))
    direct, _ = diplomacy_direct(t, 7, ["UA", "RU"], params["topics"], params["stances"], "major_strike", 1, 2)
    assert kf == direct
    assert 0 < kf["utterances"] < diplomacy_direct(t, 7, prec=2)[0]["utterances"]  # a subset of all utterances


@pytest.mark.parametrize(("name", "params", "message"), [
    ("shelling_patterns", {"start_date": "2022-10-01", "end_date": "2022-09-01"}, "end_date='2022-09-01'"),
    ("shelling_patterns", {"oblast": "Atlantis"}, "oblast='Atlantis'"),
    ("shelling_patterns", {"freq": "Q"}, "freq='Q'"),
    ("diplomatic_timing", {"window_days": -3}, "window_days=-3"),
    ("casualty_reports", {"estimate": "__import__('os').system('touch /tmp/oskil-pwned')"}, "estimate="),
    ("casualty_reports", {"data_dir": "/etc"}, "data_dir='/etc'"),
    ("casualty_reports", {"revision_incident": "INC-NOPE"}, "revision_incident='INC-NOPE'"),
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
