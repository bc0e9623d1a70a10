"""Benchmark: import a generated ACLED-shaped export and report peak memory (not collected by pytest).

    PYTHONPATH=src python tests/importers/bench_acled.py [--rows 1000000] [--gazetteer data/processed]

The export is generated in a temporary folder (deleted afterwards, never committed): realistic column
layout, ~250-character notes, places drawn from the gazetteer plus places it lacks, a few malformed
rows. The import runs as `/usr/bin/time -v python -m analysis import acled ...`; its "Maximum resident
set size" is the figure reported, next to the file's size.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
          "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
          "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
          "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp"]
SUBS = [("Explosions/Remote violence", "Shelling/artillery/missile attack", 0.55),
        ("Explosions/Remote violence", "Air/drone strike", 0.15),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED", 0.03),
        ("Battles", "Armed clash", 0.15),
        ("Violence against civilians", "Attack", 0.02),
        ("Strategic developments", "Disrupted weapons use", 0.05),
        ("Protests", "Peaceful protest", 0.05)]


def generate(path: Path, rows: int, gaz_dir: Path, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    gaz = pd.read_parquet(gaz_dir / "gazetteer.parquet")
    gaz = gaz[~gaz["place_type"].isin(["raion", "oblast", "river"])].sample(2000, random_state=seed)
    made_up = pd.DataFrame({"name": [f"Khutir {i}" for i in range(500)],
                            "oblast": rng.choice(["Kharkiv", "Donetsk", "Zaporizhzhia", "Kherson"], 500),
                            "latitude": rng.uniform(46.5, 50.0, 500), "longitude": rng.uniform(33.0, 38.5, 500)})
    places = pd.concat([gaz[["name", "oblast", "latitude", "longitude"]], made_up], ignore_index=True)
    sources = [f"Outlet {i}" for i in range(280)] + ["Ukrinform", "Ukrainska Pravda", "Suspilne"] * 5
    weights = np.array([s[2] for s in SUBS])
    days = pd.date_range("2022-02-24", "2025-06-30").strftime("%d %B %Y").to_numpy()
    chunk = 100_000
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            p = places.iloc[rng.integers(0, len(places), n)].reset_index(drop=True)
            sub = rng.choice(len(SUBS), n, p=weights / weights.sum())
            date = days[rng.integers(0, len(days), n)]
            df = pd.DataFrame({
                "event_id_cnty": [f"UKR{start + i}" for i in range(n)],
                "event_date": date, "year": [d[-4:] for d in date],
                "time_precision": rng.choice([1, 2, 3], n, p=[0.9, 0.08, 0.02]),
                "disorder_type": "Political violence",
                "event_type": [SUBS[s][0] for s in sub], "sub_event_type": [SUBS[s][1] for s in sub],
                "actor1": "Military Forces of Russia (2000-)", "assoc_actor_1": "", "inter1": "State forces",
                "actor2": "Civilians (Ukraine)", "assoc_actor_2": "", "inter2": "Civilians",
                "interaction": "State forces-Civilians",
                "civilian_targeting": np.where(rng.random(n) < 0.2, "Civilian targeting", ""),
                "iso": 804, "region": "Europe", "country": "Ukraine", "admin1": p["oblast"].to_numpy(),
                "admin2": "", "admin3": "", "location": p["name"].to_numpy(),
                "latitude": p["latitude"].round(4).to_numpy(), "longitude": p["longitude"].round(4).to_numpy(),
                "geo_precision": rng.choice([1, 2, 3], n, p=[0.8, 0.15, 0.05]),
                "source": np.array(sources)[rng.integers(0, len(sources), n)],
                "source_scale": rng.choice(["National", "Subnational", "New media", "Other-National"], n),
                "notes": [f"On {d}, Russian forces shelled {loc} with artillery and MLRS; the regional administration "
                          f"reported damage to residential houses, a school and power lines. Event {start + i} of "
                          "the benchmark export, padded to a realistic length." for i, (d, loc) in
                          enumerate(zip(date, p["name"], strict=True))],
                "fatalities": rng.choice([0, 0, 0, 0, 1, 2, 5], n),
                "tags": "", "timestamp": 1700000000,
            })
            if start == 0:  # a few malformed rows
                df.loc[1, "event_date"] = "31 February 2023"
                df["latitude"] = df["latitude"].astype("str")
                df.loc[2, "latitude"] = "55.75"
                df["fatalities"] = df["fatalities"].astype("str")
                df.loc[3, "fatalities"] = "several"
            df.to_csv(fh, header=False, index=False)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--gazetteer", default=str(REPO / "data" / "processed"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="oskil-bench-"))
    try:
        export = tmp / "acled_export.csv"
        t0 = time.perf_counter()
        generate(export, a.rows, Path(a.gazetteer))
        print(f"generated {a.rows:,} rows, {export.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - t0:.0f} s")
        env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
        cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "analysis", "import", "acled", str(export), "--out",
               str(tmp / "out"), "--gazetteer", a.gazetteer]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
        print(p.stdout)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", p.stderr)
        if p.returncode != 0:
            print(p.stderr[-3000:])
            return p.returncode
        print(f"peak RSS {int(rss.group(1)) / 1024:,.0f} MiB; wall {wall.group(1)}; "
              f"export {export.stat().st_size / 2**20:,.0f} MiB")
    finally:
        if not a.keep:
            for f in sorted(tmp.rglob("*"), reverse=True):
                f.unlink() if f.is_file() else f.rmdir()
            tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
