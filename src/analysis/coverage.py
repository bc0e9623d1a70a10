"""Coverage of the shipped dataset, rendered into docs/data.md so the document cannot drift from the data.

`python -m analysis.coverage [DATA_DIR]` rewrites the generated section of docs/data.md; a test renders
it again from a fresh clean of data/raw and compares.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from analysis import markdown
from analysis.clean import designs
from analysis.load import load

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
    root = Path(__file__).resolve().parents[2]
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "processed"
    print("docs/data.md:", "updated" if update(root / "docs" / "data.md", data) else "unchanged")
