"""Coverage of the shipped dataset, rendered into docs/data.md so the document cannot drift from the data.

`python -m analysis.docgen.data_coverage [DATA_DIR]` rewrites the generated section of docs/data.md; a test renders
it again from a fresh clean of data/raw and compares.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from analysis.clean import designs
from analysis.docgen import markdown
from analysis.notebook.load import load

BEGIN, END = "<!-- BEGIN COVERAGE -->", "<!-- END COVERAGE -->"


def _md(df: pd.DataFrame) -> str:
    rows = [[f"{v:,}" if isinstance(v, int) else v for v in row] for row in df.itertuples(index=False)]
    return "\n".join(markdown.table([str(c) for c in df.columns], rows))


def figures(t: dict[str, pd.DataFrame]) -> dict[str, int]:
    """The headline counts the issue sets targets for."""
    days = pd.concat([t[n]["date_start"][t[n]["date_prec"] == 1] for n in
                      ("events", "casualties", "statements", "control", "tallies")])
    cited = pd.concat([t[n]["source_id"] for n in ("events", "casualties", "statements", "control", "tallies")])
    return {
        "events": len(t["events"]), "casualty reports": len(t["casualties"]),
        "statements": len(t["statements"]), "control claims": len(t["control"]), "tallies": len(t["tallies"]),
        "distinct sources cited": int(cited.nunique()), "distinct outlets": int(t["sources"]["outlet"].nunique()),
        "distinct days (rows dated to the day)": int(days.nunique()),
        "incidents": len(t["incidents"]), "rejected rows": len(t["rejects"]),
    }


def linking(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """How many reports the linking folded: rows against incidents and utterances, and the review queue."""
    ev, ca, st, lc = t["events"], t["casualties"], t["statements"], t["link_candidates"]
    rows = [("event reports", len(ev)), ("casualty reports", len(ca)), ("incidents", len(t["incidents"])),
            ("incidents with more than one report", int((t["incidents"]["n_reports"] > 1).sum())),
            ("incidents whose reports contradict each other", int(t["incidents"]["disagreement"].sum())),
            ("statement reports", len(st)), ("utterances", int(st["utterance_id"].nunique())),
            ("coder decisions applied (links.csv)", len(t["links"]))]
    rows += [(f"review queue: {k} pairs, {r}", int(n)) for (k, r), n in lc.groupby(["kind", "rule"]).size().items()]
    return pd.DataFrame(rows, columns=["measure", "value"])


def tallies_against_incidents(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each official oblast-wide (or nationwide) tally set against what is coded for the same area and days: settlements
    with a coded incident, and the incidents' killed and injured (best, default reconciliation rule)."""
    ta = t["tallies"][t["tallies"]["geo_prec"] >= 4]
    inc = t["incidents"].merge(t["gazetteer"][["place_id", "oblast", "geo_prec"]], on="place_id", how="left")
    rows = []
    for r in ta.sort_values(["date_start", "tally_id"]).itertuples(index=False):
        m = inc[(inc["date_start"] >= r.date_start) & (inc["date_end"] <= r.date_end)]
        m = m if r.geo_prec == 6 else m[m["oblast"] == r.oblast]  # a nationwide tally: every oblast
        rows.append({
            "tally": r.tally_id, "days": _days(r.date_start, r.date_end), "oblast": r.oblast,
            "settlements (tally)": _n(r.settlements_shelled_best),
            "settlements (coded)": int(m.loc[m["geo_prec"] <= 2, "place_id"].nunique()),
            "killed (tally)": _n(r.killed_best), "killed (coded)": _n(m["killed_best"].sum(min_count=1)),
            "injured (tally)": _n(r.injured_best), "injured (coded)": _n(m["injured_best"].sum(min_count=1)),
        })
    return pd.DataFrame(rows)


def _n(v: object) -> str:
    return "" if pd.isna(v) else f"{int(v):,}"


def _days(s: pd.Timestamp, e: pd.Timestamp) -> str:
    return s.strftime("%Y-%m-%d") + ("" if s == e else "–" + e.strftime("%m-%d"))


def render(data_dir: Path) -> str:
    t = load(data_dir)
    ev = t["events"]
    f = figures(t)
    head = pd.DataFrame({"measure": list(f), "value": list(f.values())})
    week = ev.assign(week=ev["date_start"].dt.to_period("W").dt.start_time.dt.strftime("%Y-%m-%d"))
    by_week = week.groupby("week").agg(events=("event_id", "size"), incidents=("incident_id", "nunique"),
                                       sources=("source_id", "nunique")).reset_index()
    kh = ev[ev["oblast"] == "Kharkiv"]
    by_raion = (kh.assign(raion=kh["raion"].fillna("(raion not known)"))
                .groupby("raion").agg(events=("event_id", "size"), places=("place_id", "nunique"))
                .sort_values("events", ascending=False).reset_index())
    by_oblast = (ev.groupby("oblast").agg(events=("event_id", "size")).sort_values("events", ascending=False)
                 .reset_index())
    src = t["sources"]
    by_lang = src.groupby("language").size().rename("sources").sort_values(ascending=False).reset_index()
    by_type = src.groupby("source_type").size().rename("sources").sort_values(ascending=False).reset_index()
    claims = pd.concat([t[n][["claim_by"]] for n in ("events", "casualties", "control")])
    by_claim = claims.groupby("claim_by").size().rename("rows").sort_values(ascending=False).reset_index()
    prec = ev.groupby("date_prec").size().rename("events").reset_index()
    geo = ev.groupby("geo_prec").size().rename("events").reset_index()
    parts = [
        "### Headline counts", _md(head),
        *continuous_section(t["coverage"]),
        "### Events by week (week starting)", _md(by_week),
        "### Kharkiv oblast events by raion", _md(by_raion),
        "### Events by oblast", _md(by_oblast),
        "### Sources by language", _md(by_lang), "### Sources by type", _md(by_type),
        "### Who makes the claims (events, casualties, control)", _md(by_claim),
        "### Date and place precision of events (UCDP codes)", _md(prec), _md(geo),
        "### Linking: reports, incidents and utterances", _md(linking(t)),
        "### Official tallies against coded incidents (same oblast and days)",
        "An empty cell: the tally gives no figure. Coded counts below a tally's mean days or settlements the "
        "corpus holds no report for; coded counts above it mean reports the tally does not include (or a "
        "tally for part of the day).",
        _md(tallies_against_incidents(t)),
    ]
    return "\n\n".join(parts) + "\n"


def continuous_record(cov: pd.DataFrame) -> dict[str, object]:
    """Days, rows per day and tally agreement of the continuously covered record (issue 18)."""
    c = cov[cov["design"] == "continuous_daily_summary"]
    day = c.groupby("date").agg(rows=("rows", "sum"), places=("places", "sum"),
                                tally=("tally_settlements", "max"), match=("tally_match", "max"))
    window = len(pd.date_range(designs.CONTINUOUS_START, designs.CONTINUOUS_END))
    tallied = day[day["tally"].notna()]
    return {"days in the window": window, "days with a coded daily summary": len(day),
            "days without one": window - len(day),
            "rows per covered day (median)": int(day["rows"].median()) if len(day) else 0,
            "days whose summary gives a settlement tally": len(tallied),
            "of those, coded settlements equal the tally": int(tallied["match"].fillna(False).sum())}


def continuous_section(cov: pd.DataFrame) -> list[str]:
    f = continuous_record(cov)
    c = cov[cov["design"] == "continuous_daily_summary"]
    week = (c.assign(week=c["date"].dt.to_period("W").dt.start_time.dt.strftime("%Y-%m-%d"))
            .groupby("week").agg(days=("date", "nunique"), rows=("rows", "sum"), events=("events", "sum"))
            .reset_index())
    tally = (c[c["tally_settlements"].notna()]
             .assign(date=lambda d: d["date"].dt.strftime("%Y-%m-%d"),
                     tally_settlements=lambda d: d["tally_settlements"].astype(int),
                     places=lambda d: d["places"].astype(int),
                     tally_match=lambda d: d["tally_match"].map({True: "yes", False: "no"}))
             [["date", "batch", "places", "tally_settlements", "tally_match"]])
    gone = ", ".join(d.strftime("%d %b") for d in designs.missing_days(cov)) or "none"
    by_design = (cov.groupby("design").agg(days=("date", "nunique"), oblasts=("oblast", "nunique"),
                                           rows=("rows", "sum")).reset_index())
    return ["### Collection designs (table `coverage`)", _md(by_design),
            f"### Continuous record: {designs.CONTINUOUS_OBLAST} oblast daily summaries, "
            f"{designs.CONTINUOUS_START:%d %b} – {designs.CONTINUOUS_END:%d %b %Y}",
            _md(pd.DataFrame({"measure": list(f), "value": list(f.values())})),
            "Days of the window without a coded daily summary: " + gone + ".",
            "#### Covered days and rows per week (week starting)", _md(week),
            "#### Settlements coded against the summary's own tally", _md(tally) if len(tally) else "none"]


def update(doc: Path, data_dir: Path) -> bool:
    """Replace the coverage section of doc; True if the file changed."""
    return markdown.update_file(doc, BEGIN, END, render(data_dir))


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[3]
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "processed"
    print("docs/data.md:", "updated" if update(root / "docs" / "data.md", data) else "unchanged")
