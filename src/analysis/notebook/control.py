"""Control timeline per settlement from the control claims: who held it, from when, and how sure.

A claim says who holds a settlement when it is a `took`, `holds` or `lost` claim (`lost` by one side means
the other holds it); `contested`, `advanced_to` and `crossed` say nothing about who holds it and are left
out. Claims about raions, oblasts or rivers (geo_prec 3 and above) are left out too: they do not say which
settlement changed hands.

Per settlement, holder claims are ordered by the last day each may describe (`date_end`) and grouped into
runs of the same holder. A short run of the other side between two runs of the same holder (at most
`DISPUTE_DAYS` from its first to last day, with fewer claims than the two together) is a *contradiction*,
not two changes of hands: it is counted in `contradicted`. Each remaining run is a spell:

- `since`: the first day by which a claim of the spell says the holder has it (the earliest `date_end`);
- `earliest`: the first day the change may have happened (the earliest `date_start` among the spell's claims
  dated to within a few days, date_prec 1-2; all claims if none is), never after `since`;
- `until`: the day before the next spell's `earliest` (open for the last spell).

Days from `earliest` to the day before `since` are "changing hands". A first spell set by a `took` or
`lost` claim implies the other side held the place before it: that is an open-start spell with no claims.
"""

from __future__ import annotations

import pandas as pd

from analysis.registry.vocab import GROUP_OF

HOLDS = {("took", "ua"): "ua", ("took", "ru"): "ru", ("holds", "ua"): "ua", ("holds", "ru"): "ru",
         ("lost", "ua"): "ru", ("lost", "ru"): "ua"}
OTHER = {"ua": "ru", "ru": "ua"}
#: the officials of either side (vocab.GROUP_OF): their claims count for or against a holder
CAMPS = {w: g for w, g in GROUP_OF["claim_by"].items() if g in OTHER}
DISPUTE_DAYS = 14
CHANGING = "changing hands"

COLUMNS = ["place_id", "place_name", "raion", "oblast", "holder", "earliest", "since", "until", "claims",
           "contradicted", "confirmed", "claim_by", "certainty"]


def holder_claims(control: pd.DataFrame) -> pd.DataFrame:
    """Settlement-level claims that say who holds the place, with that holder."""
    holder = pd.Series([HOLDS.get((c, s)) for c, s in zip(control["claim"], control["side"], strict=True)],
                       index=control.index, dtype="object")
    out = control.assign(holder=holder)
    return out[out["holder"].notna() & (out["geo_prec"] <= 2)]


def certainty(claim_by: pd.Series, holder: str, implied: bool = False) -> str:
    """In words: whose claims say the holder had it (an admission by the side that lost it counts for the
    side that gained it)."""
    if implied:
        return "implied (the next spell's claim says the place was taken)"
    camps = set(claim_by.map(CAMPS).dropna())
    if camps == {"ua", "ru"}:
        return "claimed by both sides"
    if camps:
        return ("Ukrainian" if camps == {"ua"} else "Russian") + " officials' claims only"
    return "media or third parties only"


def _runs(claims: pd.DataFrame) -> list[pd.DataFrame]:
    c = claims.sort_values(["date_end", "date_start", "claim_id"])
    key = (c["holder"] != c["holder"].shift()).cumsum()
    runs = [g for _, g in c.groupby(key, sort=True)]
    contradicted: list[int] = [0] * len(runs)
    while True:  # absorb the smallest short run that sits between two larger runs of the other holder
        cands = [(len(runs[i]), i) for i in range(1, len(runs) - 1)
                 if runs[i - 1]["holder"].iloc[0] == runs[i + 1]["holder"].iloc[0]
                 and (runs[i]["date_end"].max() - runs[i]["date_start"].min()).days <= DISPUTE_DAYS
                 and len(runs[i]) < len(runs[i - 1]) + len(runs[i + 1])]
        if not cands:
            break
        _, i = min(cands)
        n = contradicted[i - 1] + contradicted[i + 1] + len(runs[i])
        runs[i - 1:i + 2] = [pd.concat([runs[i - 1], runs[i + 1]])]
        contradicted[i - 1:i + 2] = [n]
    return [r.assign(_against=n) for r, n in zip(runs, contradicted, strict=True)]


def timeline(control: pd.DataFrame) -> pd.DataFrame:
    """One row per settlement and spell of control (see the module docstring), in date order."""
    claims = holder_claims(control)
    rows = []
    for place_id, g in claims.groupby("place_id", sort=True):
        first = g.iloc[0]
        spells = []
        for r in _runs(g):
            holder = r["holder"].iloc[0]
            precise = r[r["date_prec"] <= 2]
            since = r["date_end"].min()
            spells.append({"holder": holder,
                           "earliest": min((precise if len(precise) else r)["date_start"].min(), since),
                           "since": since, "claims": len(r), "contradicted": int(r["_against"].iloc[0]),
                           "confirmed": int((r["confirmed"] == "yes").sum()),
                           "claim_by": ";".join(sorted(set(r["claim_by"]))),
                           "certainty": certainty(r["claim_by"], holder),
                           "_changes": bool(r["claim"].isin(["took", "lost"]).any())})
        if spells[0]["_changes"]:
            spells.insert(0, {"holder": OTHER[spells[0]["holder"]], "earliest": pd.NaT, "since": pd.NaT, "claims": 0,
                              "contradicted": 0, "confirmed": 0, "claim_by": "",
                              "certainty": certainty(pd.Series(dtype="object"), "", implied=True)})
        for i, s in enumerate(spells):
            s.pop("_changes", None)
            nxt = spells[i + 1]["earliest"] if i + 1 < len(spells) else pd.NaT
            s["until"] = nxt - pd.Timedelta(days=1) if pd.notna(nxt) else pd.NaT
            rows.append({"place_id": place_id, "place_name": first["place_name"], "raion": first["raion"],
                         "oblast": first["oblast"], **s})
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("earliest", "since", "until"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    return out.reset_index(drop=True)


def status(timeline: pd.DataFrame, place_id: str, day: pd.Timestamp) -> str:
    """Who held a settlement on a day: 'ua', 'ru', 'changing hands', 'unknown' (before its first claim, when
    that claim implies no earlier holder) or 'no claim' (no holder claim about the place at all)."""
    t = timeline[timeline["place_id"] == place_id]
    if t.empty:
        return "no claim"
    for s in t.itertuples():
        if pd.notna(s.earliest) and s.earliest <= day < s.since:
            return CHANGING
        if (pd.isna(s.since) or s.since <= day) and (pd.isna(s.until) or day <= s.until):
            return s.holder
    return "unknown"


def tag(events: pd.DataFrame, timeline: pd.DataFrame) -> pd.DataFrame:
    """Events with `control`: the control status of their place on the first day of their date range.
    Raion-, oblast- and river-level rows get 'area, not a settlement' (no single holder)."""
    settlement = events["geo_prec"] <= 2
    status_of = [status(timeline, p, d) if s else "area, not a settlement"
                 for p, d, s in zip(events["place_id"], events["date_start"], settlement, strict=True)]
    return events.assign(control=pd.Series(status_of, index=events.index, dtype="str"))


def recaptures(timeline: pd.DataFrame) -> pd.DataFrame:
    """One row per change from Russian to Ukrainian control: the settlement, when (earliest, since) and how
    sure (the Ukrainian spell's claims)."""
    t = timeline.copy()
    prev = t.groupby("place_id")["holder"].shift()
    r = t[(t["holder"] == "ua") & (prev == "ru")]
    return r[["place_id", "place_name", "raion", "oblast", "earliest", "since", "claims", "contradicted",
              "confirmed", "certainty"]].reset_index(drop=True)


def ever_claimed(control: pd.DataFrame) -> set[str]:
    """Settlements named by any control claim (holder or not): never a 'never-occupied' comparison place."""
    return set(control.loc[control["geo_prec"] <= 2, "place_id"])
