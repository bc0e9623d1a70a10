"""ACLED export -> Oskil rows. Column names and codes follow ACLED's codebook (event_id_cnty,
event_date, time_precision 1-3, sub_event_type, civilian_targeting, admin1-3, location, latitude,
longitude, geo_precision 1-3, source, source_scale, notes, fatalities, ...). See docs/importers.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import arrow_lookup, dates
from analysis.clean.errors import Rejects, take_bad
from analysis.importers import common, place_match

NAME = "acled"
PREFIX = "acled"
ID = "event_id_cnty"
URL = "https://acleddata.com/data-export-tool/"  # ACLED names outlets only; no report URLs are published

REQUIRED = ["event_id_cnty", "event_date", "time_precision", "sub_event_type", "admin1", "location", "latitude",
            "longitude", "geo_precision", "source", "fatalities"]
WANTED = REQUIRED + ["event_type", "actor1", "civilian_targeting", "country", "admin2", "source_scale", "notes"]

#: ACLED sub_event_type -> (Oskil event_type, weapon, casualty cause). Every sub-event type in ACLED's
#: codebook is here; those with no Oskil equivalent become 'other' and keep their ACLED name in coder_note.
SUB_EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    # Explosions/Remote violence
    "Shelling/artillery/missile attack": ("shelling", "artillery", "shelling"),
    "Air/drone strike": ("air_strike", "unknown", "air_strike"),
    "Remote explosive/landmine/IED": ("remote_explosive", "landmine", "landmine"),
    "Grenade": ("other", "small_arms", "other"),
    "Suicide bomb": ("other", "unknown", "other"),
    "Chemical weapon": ("other", "unknown", "other"),
    # Battles
    "Armed clash": ("other", "unknown", "other"),
    "Government regains territory": ("other", "unknown", "other"),
    "Non-state actor overtakes territory": ("other", "unknown", "other"),
    # Violence against civilians
    "Attack": ("other", "unknown", "other"),
    "Abduction/forced disappearance": ("other", "unknown", "other"),
    "Sexual violence": ("other", "unknown", "other"),
    # Protests and riots
    "Peaceful protest": ("other", "unknown", "other"),
    "Protest with intervention": ("other", "unknown", "other"),
    "Excessive force against protesters": ("other", "unknown", "other"),
    "Violent demonstration": ("other", "unknown", "other"),
    "Mob violence": ("other", "unknown", "other"),
    # Strategic developments
    "Agreement": ("other", "unknown", "other"),
    "Arrests": ("other", "unknown", "other"),
    "Change to group/activity": ("other", "unknown", "other"),
    "Disrupted weapons use": ("other", "unknown", "other"),
    "Headquarters or base established": ("other", "unknown", "other"),
    "Looting/property destruction": ("other", "unknown", "other"),
    "Non-violent transfer of territory": ("other", "unknown", "other"),
    "Other": ("other", "unknown", "other"),
}
_CANONICAL = {" ".join(k.lower().split()): k for k in SUB_EVENT_TYPES}

#: ACLED time_precision -> the date range it allows around event_date
TIME_PRECISION = {1: "the day of event_date", 2: "the ISO week (Monday-Sunday) containing event_date",
                  3: "the calendar month of event_date"}
#: ACLED geo_precision -> Oskil geo_prec (see docs/importers.md for why 3 -> 3)
GEO_PRECISION = {1: 1, 2: 2, 3: 3}

#: outlet names that say what kind of source they are, checked before source_scale
_OUTLET_TYPES = [
    (r"\b(?:UN|OHCHR|HRMMU|OSCE|IAEA|UNICEF|WHO|ICRC|UNHCR|OCHA)\b|United Nations", "international_body"),
    (r"Ministry of Defen[cs]e of (?:the )?United Kingdom|UK Ministry of Defen[cs]e|UK Defence Intelligence",
     "government_assessment"),
    (r"\bISW\b|Institute for the Study of War|Critical Threats", "think_tank"),
    (r"Ukrinform|Interfax|Reuters|Associated Press|\bAP\b|\bAFP\b|Agence France|\bTASS\b|\bRIA\b|UNIAN|RBC",
     "news_agency"),
    (r"Ministry|General Staff|Armed Forces|Government of|Administration|Governor|Mayor|Police|"
     r"Prosecutor|Military|National Guard|State Emergency|President|Office of", "official_channel"),
]


def _parse_dates(s: pd.Series) -> pd.Series:
    """event_date in any of ACLED's three spellings, parsed once per distinct cell (an export of a million rows
    has a few thousand dates)."""
    return arrow_lookup.per_distinct(s, _parse_distinct_dates)


#: event_date cells already parsed (any export, any batch) -> their datetime64[s] (NaT: not a date). The same
#: few thousand dates recur in every batch of an export; a cell is parsed the first time it is met.
_PARSED_DATES: dict[str, np.datetime64] = {}
_MAX_PARSED_DATES = 200_000


def _parse_distinct_dates(s: pd.Series) -> pd.Series:
    """_parse_new_dates of distinct cells (and one missing value), each looked up in _PARSED_DATES first. The
    cells are read as one Python list (iterating an Arrow-backed column makes a scalar per cell: most of this
    step's time)."""
    cells = s.tolist()
    texts = list(dict.fromkeys(v for v in cells if isinstance(v, str)))  # s.dropna().unique(), in order
    new = [v for v in texts if v not in _PARSED_DATES]
    if new:
        if len(_PARSED_DATES) + len(new) > _MAX_PARSED_DATES:  # start again, with this batch's cells only
            _PARSED_DATES.clear()
            new = texts
        _PARSED_DATES.update(zip(new, _parse_new_dates(pd.Series(new, dtype=s.dtype)).to_numpy(), strict=True))
    nat = np.datetime64("NaT", "s")
    return pd.Series(np.array([_PARSED_DATES.get(v, nat) if isinstance(v, str) else nat for v in cells],
                              dtype="datetime64[s]"), index=s.index)


def _parse_new_dates(s: pd.Series) -> pd.Series:
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    long = pd.to_datetime(s, format="%d %B %Y", errors="coerce")
    short = pd.to_datetime(s, format="%d-%B-%Y", errors="coerce")
    return iso.fillna(long).fillna(short).astype("datetime64[s]")


def _canonical(sub_event_type: pd.Series) -> pd.Series:
    """The codebook's spelling of each sub_event_type (case and spaces aside), missing where it has none; run once
    per distinct cell (per_distinct): a dict map over a million cells cost a second."""
    return sub_event_type.str.lower().str.split().str.join(" ").map(_CANONICAL)


#: ACLED time_precision -> Oskil date_rule
DATE_RULES = {1: "acled_day", 2: "acled_week", 3: "acled_month"}


def _note(event_type: pd.Series, co: np.ndarray, uo: pd.Index, notes: pd.Series) -> pd.Series:
    """coder_note: 'ACLED <event_type> / <sub_event_type>', then ': <notes>' where there are notes (co, uo: the
    rows' sub_event_types factorized). The prefix is made once per distinct pair of types; the one join per row
    is Arrow's."""
    ce, ue = pd.factorize(event_type.fillna(""))
    codes, pairs = pd.factorize(ce.astype("int64") * len(uo) + co)
    prefix = pd.Series([f"ACLED {ue[p // len(uo)]} / {uo[p % len(uo)]}" for p in pairs], dtype="str").array.take(codes)
    joined = pc.binary_join_element_wise(arrow_lookup.arrow(pd.Series(prefix)), arrow_lookup.arrow(notes),
                                         pa.scalar(": ", pa.large_string()), null_handling="skip")
    return pd.Series(pd.array(joined, dtype="str"), index=notes.index)


def _per_code(values: list, codes: np.ndarray, index: pd.Index, dtype: str = "str") -> pd.Series:
    """Each row's value of its code (values: one per code), as a column of `dtype`: a take of a few values
    instead of a map (and a hash) of every row."""
    return pd.Series(pd.array(values, dtype=dtype).take(codes), index=index)


def map_batch(df: pd.DataFrame, resolver: place_match.PlaceResolver, rej: Rejects,
              today: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Map one batch of export rows; bad rows go to rej. Returns (mapped rows, partial sources)."""
    ready = prepare(df, rej, today)
    return complete(ready, resolver.resolve(ready.frame), rej)


def prepare(df: pd.DataFrame, rej: Rejects, today: pd.Timestamp) -> common.Prepared:
    """The row checks up to place matching; the rows left, with their place columns and parsed values. today:
    the run's date (no event starts after it)."""
    df = common.with_columns(df, WANTED)
    df = take_bad(df, df[ID].isna(), rej, ID, "an event_id_cnty", ID)
    known = arrow_lookup.per_distinct(df["sub_event_type"], _canonical)
    df = take_bad(df, known.isna(), rej, "sub_event_type",
                  "an ACLED sub_event_type from the codebook (e.g. 'Shelling/artillery/missile attack')", ID)
    known = common.at_rows(known, df.index)
    country = df["country"].str.lower()  # cells come trimmed from the stream
    df = take_bad(df, country.notna() & (country != "ukraine"), rej, "country",
                  "country Ukraine (Oskil covers Ukraine)", ID)
    when = _parse_dates(df["event_date"])
    df = take_bad(df, when.isna(), rej, "event_date", "a date such as '18 September 2022' or 2022-09-18", ID)
    df, tp = common.integers(df, "time_precision", 1, 3, rej, ID, "time_precision 1, 2 or 3 (ACLED codebook)")
    df, gp = common.integers(df, "geo_precision", 1, 3, rej, ID, "geo_precision 1, 2 or 3 (ACLED codebook)")
    df, fat = common.integers(df, "fatalities", 0, None, rej, ID, "a whole number of fatalities, 0 or more")
    df = common.coordinates(df, rej, ID)
    when, tp = common.at_rows(when, df.index), common.at_rows(tp, df.index)
    start, end = _date_range(when, tp)
    df = common.war_dates(df, start, end, "event_date", rej, ID, today)
    df = df.assign(place_reported=df["location"], raion_reported=df["admin2"], oblast_reported=df["admin1"])
    values = {"known": known, "start": start, "end": end, "when": when, "tp": tp, "gp": gp, "fat": fat}
    mapped = _mapped(df, values)
    sources = _sources(mapped["source_id"], df["source"].fillna("ACLED"), df["source_scale"])
    # complete() and the resolver read only these; the export's other cells (its notes) are not held further
    return common.Prepared(df[_PREPARED], {**values, "mapped": mapped, "sources": sources})


#: the columns of a prepared frame: the place keys (place_match.place_keys, batch_keys), what a reject names, and what
#: complete() needs to make the sources again when a row could not be placed
_PREPARED = [ID, "admin1", "raw_line", "source", "source_scale", "place_reported", "raion_reported",
             "oblast_reported", "lat_f", "lon_f"]


#: victim_group of a row that ACLED codes as civilian targeting (position 1) or not (0): taken per row (Arrow),
#: not built as numpy text and converted
_VICTIM_GROUPS = pd.array(["unknown", "civilian"], dtype="str")


def _date_range(when: pd.Series, tp: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(date_start, date_end) of each row's event_date at its time_precision (TIME_PRECISION): the day itself (1),
    its Monday-Sunday week (2), its calendar month (3); a time of day is kept as pandas' offsets keep it (only a
    month's start is its midnight), NaT stays NaT. On whole days as integers, the months of the distinct days
    only: pandas' to_period and MonthEnd (and numpy's month unit per row) cost about 10 ms per batch."""
    when_s = when.to_numpy(dtype="datetime64[s]")
    nat = np.isnat(when_s)
    secs = np.where(nat, 0, when_s.view(np.int64))
    day = secs // 86400
    clock = secs - day * 86400
    distinct, at = np.unique(day, return_inverse=True)
    month = distinct.astype("datetime64[D]").astype("datetime64[M]")
    first = month.astype("datetime64[D]").astype(np.int64)[at.reshape(-1)]
    last = (month + 1).astype("datetime64[D]").astype(np.int64)[at.reshape(-1)] - 1
    monday = day - (day + 3) % 7  # 1970-01-01, day 0, was a Thursday
    p = tp.to_numpy(dtype=np.int64)
    start = np.where(p == 1, day, np.where(p == 2, monday, first)) * 86400 + np.where(p == 3, 0, clock)
    end = np.where(p == 1, day, np.where(p == 2, monday + 6, last)) * 86400 + clock

    def as_dates(x: np.ndarray) -> pd.Series:
        return pd.Series(np.where(nat, np.datetime64("NaT", "s"), x.view("datetime64[s]")), index=when.index)

    return as_dates(start), as_dates(end)


def complete(ready: common.Prepared, placed: tuple[pd.Series, pd.Series, pd.Series],
             rej: Rejects) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The mapped rows and partial sources of prepared rows, given their places (PlaceResolver.resolve): the
    columns prepare() made (_mapped) with the places filled in, for the rows that have one."""
    pid, how, err = placed
    df = take_bad(ready.frame, err.notna(), rej, "admin1", err, ID)  # a known oblast always yields a place
    if df.empty:
        return None
    idx = df.index
    m, src = ready.values["mapped"], ready.values["sources"]
    if not m.index.equals(idx):  # rows without a place were rejected: the rest, and their sources again
        m = m.loc[idx]
        src = _sources(m["source_id"], df["source"].fillna("ACLED"), df["source_scale"])
    m = m.assign(place_id=common.at_rows(pid, idx).astype("str"), place_match=common.at_rows(how, idx).astype("str"))
    return m.reset_index(drop=True), src


def _mapped(df: pd.DataFrame, values: dict[str, pd.Series]) -> pd.DataFrame:
    """The mapped columns (common.MAPPED) of prepared rows, place_id and place_match left empty for complete():
    nothing here depends on the places, so it is made with the row checks, off the thread that places the rows
    (common.run's pipeline), and each value depends only on its own row (complete() may drop rows)."""
    idx = df.index
    known, start, end, when, tp, gp, fat = (common.at_rows(values[k], idx)
                                            for k in ("known", "start", "end", "when", "tp", "gp", "fat"))
    co, uo = pd.factorize(known.astype("str"))  # every row's is in SUB_EVENT_TYPES (prepare rejected the rest)
    types = {col: _per_code([SUB_EVENT_TYPES[u][i] for u in uo], co, idx)
             for i, col in enumerate(("event_type", "weapon", "cause"))}
    source = df["source"].fillna("ACLED")
    source_id = arrow_lookup.per_distinct(source, lambda u: u.map(lambda s: "acled_" + common.short_hash(s)
                                                                  if isinstance(s, str) else None)).astype("str")
    note = _note(df["event_type"], co, uo, df["notes"])
    civ = pc.match_substring(pc.utf8_lower(arrow_lookup.arrow(df["civilian_targeting"])), "civilian")
    civ = pc.fill_null(civ, False).to_numpy(zero_copy_only=False).astype(np.intp)
    p = tp.to_numpy(dtype=np.intp)  # time_precision and geo_precision: 1, 2 or 3 (prepare rejected the rest)
    empty = pd.Series(None, index=idx, dtype="str")
    return pd.DataFrame({
        "event_id": "ACLED-" + df[ID],
        "casualty_id": "ACLED-CA-" + df[ID],
        "source_id": source_id,
        "date_reported": df["event_date"],
        "published": when,
        "date_start": start,
        "date_end": end,
        "date_prec": dates.precision(start, end),
        "date_rule": _per_code([DATE_RULES.get(k) for k in range(4)], p, idx),
        "place_reported": df["place_reported"],
        "raion_reported": df["raion_reported"],
        "oblast_reported": df["oblast_reported"],
        "place_id": empty,  # complete()
        "place_match": empty,  # complete()
        "row_geo_prec": _per_code([GEO_PRECISION.get(k) for k in range(4)], gp.to_numpy(dtype=np.intp), idx,
                                  "Int64"),
        "event_type": types["event_type"],
        "weapon": types["weapon"],
        "weapon_detail": empty,
        "actor": df["actor1"],
        "claimant": "ACLED",
        "coder_note": note,
        "killed_reported": df["fatalities"],
        "killed_low": fat, "killed_best": fat, "killed_high": fat,
        "victim_group": pd.Series(_VICTIM_GROUPS.take(civ), index=idx),
        "cause": types["cause"],
        "figure_note": pd.Series("ACLED fatalities of the event", index=idx, dtype="str"),
        "raw_line": df["raw_line"].astype("Int64"),
    }, index=idx)


def _sources(source_id: pd.Series, outlet: pd.Series, scale: pd.Series) -> pd.DataFrame:
    """The partial sources of mapped rows: each source id's first outlet and source_scale."""
    src = pd.DataFrame({"source_id": source_id, "outlet": outlet, "source_scale": scale})
    return src.groupby("source_id", sort=False).agg(outlet=("outlet", "first"),
                                                   source_scale=("source_scale", "first")).reset_index()


def source_type(outlet: pd.Series, scale: pd.Series) -> pd.Series:
    """Oskil source_type from the outlet's name where it says, else from ACLED's source_scale."""
    out = pd.Series(pd.NA, index=outlet.index, dtype="object")
    for pattern, kind in _OUTLET_TYPES:
        hit = out.isna() & outlet.str.contains(pattern, regex=True, na=False)
        out[hit] = kind
    s = scale.fillna("").str.lower()
    new_media_only = s.str.fullmatch(r"new media", na=False)
    out[out.isna() & new_media_only] = "official_channel"
    return out.fillna("news_outlet").astype("str")


def sources_table(partials: pd.DataFrame | None, mapped: pd.DataFrame) -> pd.DataFrame:
    if partials is None or partials.empty:
        return pd.DataFrame({"source_id": pd.Series(dtype="str")})
    s = partials.groupby("source_id").agg(outlet=("outlet", "first"), source_scale=("source_scale", "first"))
    s = common.cited(mapped).join(s, how="left").reset_index()
    scale = s["source_scale"].fillna("not given")
    return s.assign(
        url=URL, title=pd.NA, date_basis="inferred", language="und", retrospective=False, accessed=pd.NaT,
        source_type=source_type(s["outlet"], s["source_scale"]),
        notes="ACLED source field (outlet names only; ACLED publishes no report URLs); source_scale: " + scale
              + "; published = earliest event_date citing it")


def has_figure(mapped: pd.DataFrame) -> pd.Series:
    return (mapped["killed_best"] > 0).fillna(False)


empty_mapped = common.empty_mapped
