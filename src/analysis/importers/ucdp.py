"""UCDP GED export -> Oskil rows. Column names and codes follow the UCDP GED codebook (id,
type_of_violence 1-3, dyad_name, side_a, side_b, source_article, source_office, source_date,
source_headline, source_original, where_prec 1-7, where_coordinates, adm_1, adm_2, latitude,
longitude, event_clarity, date_prec 1-5, date_start, date_end, deaths_a, deaths_b, deaths_civilians,
deaths_unknown, best, high, low). See docs/importers.md.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.clean.errors import Rejects, take_bad
from analysis.importers import common, place_match

NAME = "ucdp"
PREFIX = "ucdp"
ID = "id"
URL = "https://ucdp.uu.se/downloads/"  # GED cites articles by outlet, date and headline, not by URL

REQUIRED = ["id", "type_of_violence", "date_prec", "date_start", "date_end", "where_prec", "where_coordinates",
            "adm_1", "latitude", "longitude", "best", "low", "high"]
WANTED = REQUIRED + ["dyad_name", "side_a", "side_b", "source_article", "source_office", "source_date",
                     "source_headline", "source_original", "adm_2", "where_description", "country",
                     "event_clarity", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]

#: UCDP type_of_violence -> (label, Oskil event_type, weapon, cause). GED records no weapon, so none maps
#: to an Oskil attack type: all are 'other', with the UCDP type kept in coder_note.
TYPE_OF_VIOLENCE: dict[int, tuple[str, str, str, str]] = {
    1: ("state-based conflict", "other", "unknown", "unknown"),
    2: ("non-state conflict", "other", "unknown", "unknown"),
    3: ("one-sided violence", "other", "unknown", "unknown"),
}
#: UCDP where_prec -> Oskil geo_prec: 1-6 carried over; 7 (at sea or in international airspace) -> 5,
#: Oskil's code for a feature rather than a settlement (rivers; here a water area)
WHERE_PREC = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 5}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _first_date(s: pd.Series) -> pd.Series:
    """The earliest YYYY-MM-DD in each cell (source_date may list several, ';'-separated)."""
    uniq = {v: min(_DATE.findall(v), default=None) for v in s.dropna().unique()}
    return pd.to_datetime(s.map(uniq), format="%Y-%m-%d", errors="coerce").astype("datetime64[s]")


def map_batch(df: pd.DataFrame, resolver: place_match.PlaceResolver, rej: Rejects,
              today: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Map one batch of export rows; bad rows go to rej. Returns (mapped rows, partial sources)."""
    ready = prepare(df, rej, today)
    return complete(ready, resolver.resolve(ready.frame), rej)


def prepare(df: pd.DataFrame, rej: Rejects, today: pd.Timestamp) -> common.Prepared:
    """The row checks up to place matching; the rows left, with their place columns and parsed values. today:
    the run's date (no event starts after it)."""
    df = common.with_columns(df, WANTED)
    df = take_bad(df, df[ID].isna(), rej, ID, "an id", ID)
    df, tov = common.integers(df, "type_of_violence", 1, 3, rej, ID,
                              "type_of_violence 1, 2 or 3 (UCDP GED codebook)")
    country = df["country"].str.lower()
    df = take_bad(df, country.notna() & ~country.str.startswith("ukraine", na=False), rej, "country",
                  "country Ukraine (Oskil covers Ukraine)", ID)
    start = pd.to_datetime(df["date_start"].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    df = take_bad(df, start.isna(), rej, "date_start", "a date YYYY-MM-DD", ID)
    end = common.at_rows(pd.to_datetime(df["date_end"].str.slice(0, 10), format="%Y-%m-%d", errors="coerce"),
                         df.index)
    df = take_bad(df, end.isna(), rej, "date_end", "a date YYYY-MM-DD", ID)
    start, end = (common.at_rows(x, df.index).astype("datetime64[s]") for x in (start, end))
    df = take_bad(df, end < start, rej, "date_end", "a date_end on or after date_start", ID)
    df, dp = common.integers(df, "date_prec", 1, 5, rej, ID, "date_prec 1-5 (UCDP GED codebook)")
    df, wp = common.integers(df, "where_prec", 1, 7, rej, ID, "where_prec 1-7 (UCDP GED codebook)")
    df, low = common.integers(df, "low", 0, None, rej, ID, "a whole number of deaths, 0 or more")
    df, best = common.integers(df, "best", 0, None, rej, ID, "a whole number of deaths, 0 or more")
    df, high = common.integers(df, "high", 0, None, rej, ID, "a whole number of deaths, 0 or more")
    low, best = common.at_rows(low, df.index), common.at_rows(best, df.index)
    df = take_bad(df, (low > best) | (best > high), rej, "best", "low <= best <= high", ID)
    deaths = {}
    for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
        df, deaths[c] = common.integers(df, c, 0, None, rej, ID, "a whole number of deaths, 0 or more",
                                        optional=True)
    df = common.coordinates(df, rej, ID)
    start, end = common.at_rows(start, df.index), common.at_rows(end, df.index)
    df = common.war_dates(df, start, end, "date_start", rej, ID, today)
    idx = df.index
    wp = common.at_rows(wp, idx)
    place = df["where_coordinates"].where(wp <= 2)
    raion = df["adm_2"].where(wp <= 3)
    raion = raion.where(raion.notna() | (wp != 3), df["where_coordinates"])
    df = df.assign(place_reported=place, raion_reported=raion, oblast_reported=df["adm_1"])
    return common.Prepared(df, {"tov": tov, "dp": dp, "wp": wp, "start": start, "end": end, "low": low,
                                "best": best, "high": high, **deaths})


def complete(ready: common.Prepared, placed: tuple[pd.Series, pd.Series, pd.Series],
             rej: Rejects) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The mapped rows and partial sources of prepared rows, given their places (PlaceResolver.resolve)."""
    pid, how, err = placed
    df = take_bad(ready.frame, err.notna(), rej, "adm_1", err, ID)
    if df.empty:
        return None
    idx = df.index
    vals = {k: common.at_rows(s, idx) for k, s in ready.values.items()}
    tov, dp, wp, start, end, low, best, high = (vals[k] for k in ("tov", "dp", "wp", "start", "end", "low", "best",
                                                                 "high"))
    deaths = {k: vals[k] for k in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")}
    dated = _first_date(df["source_date"])
    pub = dated.where(dated.notna(), end)
    article = df["source_article"]
    fallback = (df["source_office"].fillna("") + "|" + df["source_date"].fillna("") + "|"
                + df["source_headline"].fillna(""))
    key = article.where(article.notna(), fallback.where(fallback != "||", "UCDP GED"))
    ids = {k: "ucdp_" + common.short_hash(k) for k in key.unique()}
    source_id = key.map(ids)
    def part(i: int) -> pd.Series:
        return tov.astype("int64").map({k: v[i] for k, v in TYPE_OF_VIOLENCE.items()}).astype("str")

    label = part(0)
    note = ("UCDP type_of_violence " + tov.astype("str") + " (" + label + "); where_prec " + wp.astype("str")
            + "; event_clarity " + df["event_clarity"].fillna("?"))
    note = note.where(df["where_description"].isna(), note + "; " + df["where_description"])
    civ, a, b, unk = (deaths[c].fillna(0) for c in ("deaths_civilians", "deaths_a", "deaths_b", "deaths_unknown"))
    has = deaths["deaths_civilians"].notna()
    victim = np.select(
        [has & (best > 0) & (civ == best), has & (best > 0) & (civ == 0) & (unk == 0) & (a + b == best),
         has & (best > 0) & (civ > 0) & (a + b > 0) & (unk == 0) & (civ + a + b == best)],
        ["civilian", "military", "mixed"], "unknown")
    actor = df["dyad_name"].where(df["dyad_name"].notna(), df["side_a"])
    m = pd.DataFrame({
        "event_id": "UCDP-" + df[ID],
        "casualty_id": "UCDP-CA-" + df[ID],
        "source_id": source_id,
        "date_reported": df["date_start"] + "/" + df["date_end"],
        "published": pub,
        "date_start": start,
        "date_end": end,
        "date_prec": dp,
        "date_rule": "ucdp",
        "place_reported": df["place_reported"],
        "raion_reported": df["raion_reported"],
        "oblast_reported": df["oblast_reported"],
        "place_id": common.at_rows(pid, idx).astype("str"),
        "place_match": common.at_rows(how, idx).astype("str"),
        "row_geo_prec": wp.map(WHERE_PREC).astype("Int64"),
        "event_type": part(1),
        "weapon": part(2),
        "weapon_detail": pd.Series(None, index=idx, dtype="str"),
        "actor": actor,
        "claimant": df["source_original"],
        "coder_note": note,
        "killed_reported": "best " + best.astype("str") + " (low " + low.astype("str") + ", high "
                           + high.astype("str") + ")",
        "killed_low": low, "killed_best": best, "killed_high": high,
        "victim_group": pd.Series(victim, index=idx, dtype="str"),
        "cause": part(3),
        "figure_note": ("UCDP deaths_a " + deaths["deaths_a"].astype("str") + ", deaths_b "
                        + deaths["deaths_b"].astype("str") + ", deaths_civilians "
                        + deaths["deaths_civilians"].astype("str") + ", deaths_unknown "
                        + deaths["deaths_unknown"].astype("str")).fillna("UCDP deaths not split"),
        "raw_line": df["raw_line"].astype("Int64"),
    }, index=idx)
    src = pd.DataFrame({"source_id": source_id, "outlet": df["source_office"].fillna("UCDP GED"),
                        "title": df["source_headline"], "dated": dated, "article": key})
    src = src.groupby("source_id", sort=False).agg(
        outlet=("outlet", "first"), title=("title", "first"), dated=("dated", "min"),
        article=("article", "first")).reset_index()
    return m.reset_index(drop=True), src


def source_type(outlet: pd.Series) -> pd.Series:
    agency = outlet.str.contains(r"Reuters|Associated Press|\bAP\b|\bAFP\b|Agence France|Ukrinform|Interfax|TASS|"
                                 r"\bRIA\b|UNIAN|BBC Monitoring", regex=True, na=False)
    intl = outlet.str.contains(r"\bUN\b|OHCHR|HRMMU|OSCE|IAEA|United Nations", regex=True, na=False)
    return pd.Series(np.select([intl, agency], ["international_body", "news_agency"], "news_outlet"),
                     index=outlet.index, dtype="str")


def sources_table(partials: pd.DataFrame | None, mapped: pd.DataFrame) -> pd.DataFrame:
    if partials is None or partials.empty:
        return pd.DataFrame({"source_id": pd.Series(dtype="str")})
    s = partials.groupby("source_id").agg(outlet=("outlet", "first"), title=("title", "first"),
                                          dated=("dated", "min"), article=("article", "first"))
    s = common.cited(mapped).join(s, how="left").reset_index()
    return s.assign(
        url=URL, language="und", retrospective=False, accessed=pd.NaT,
        date_basis=np.where(s["dated"].notna(), "page", "inferred"),
        source_type=source_type(s["outlet"]),
        notes="UCDP GED source_article: " + s["article"] + " (GED gives no URL; published = earliest source_date,"
              " else the event's date_end)")


def has_figure(mapped: pd.DataFrame) -> pd.Series:
    return (mapped["killed_high"] > 0).fillna(False)


empty_mapped = common.empty_mapped
