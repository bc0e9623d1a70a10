"""Synthetic raw data for benchmarks and scale tests: `python -m analysis synth --rows N --out DIR`.

Writes the raw CSV layout (every table's columns exactly as schema.<TABLE>.raw_columns) with the
mess of real coding: dates as reports word them ('22 вересня', 'Sept. 22', 'yesterday', 'on Sunday',
'over the past day', empty), place names spelled the ways the gazetteer knows (name, name_uk, name_ru,
variants, oblast and raion words), counts in words ('two', 'about 60', 'more than 14', 'кілька'), and
about 0.5% bad rows per table (impossible dates, unknown places, words outside a vocabulary).

Generation is vectorised: every messy cell is drawn from a small pool of strings (or a per-day table of
date phrases) by numpy index arrays, so a million events take seconds. The same seed gives the same
bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from analysis.registry.schema import CASUALTIES, CONTROL, EVENTS, LINKS, SOURCES, STATEMENTS, TALLIES

REPO_RAW = Path(__file__).resolve().parents[3] / "data" / "raw"
BAD_SHARE = 0.005
FIRST_PUB, LAST_PUB = pd.Timestamp("2022-03-08"), pd.Timestamp("2025-10-31")

_UK_MONTHS = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня",
              "жовтня", "листопада", "грудня"]
_RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря"]
_EN_ABBR = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
_EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_UK_WEEKDAYS = ["понеділок", "вівторок", "середу", "четвер", "пятницю", "суботу", "неділю"]

#: date phrases tied to the true day of the event: (weight, format)
_DAY_FORMS = [
    (10, lambda d: d.strftime("%Y-%m-%d")),
    (9, lambda d: d.strftime("%d.%m.%Y")),
    (11, lambda d: f"{d.day} {_UK_MONTHS[d.month - 1]}"),
    (4, lambda d: f"{d.day} {_RU_MONTHS[d.month - 1]}"),
    (9, lambda d: f"{_EN_ABBR[d.month - 1]} {d.day}"),
    (5, lambda d: f"On {d.strftime('%B')} {d.day}"),
    (4, lambda d: f"On the morning of {d.strftime('%B')} {d.day}"),
    (3, lambda d: f"During {d.strftime('%B')} {d.day}"),
    (2, lambda d: f"{d.day} {d.strftime('%B')} {d.year}"),
    (6, lambda d: f"on {_EN_WEEKDAYS[d.weekday()]}"),
    (2, lambda d: f"{_EN_WEEKDAYS[d.weekday()]} morning"),
    (3, lambda d: f"в {_UK_WEEKDAYS[d.weekday()]}"),
]
#: phrases relative to the publication date: (weight, phrase)
_RELATIVE_FORMS = [
    (5, "yesterday"), (2, "Yesterday"), (2, "вчора"), (1, "вчера"), (2, "today"), (1, "this morning"),
    (4, "over the past day"), (3, "Протягом доби"), (2, "протягом минулої доби"), (2, "В течение суток"),
    (1, "за минулу добу"), (2, "last night"), (1, "During the day"), (12, None),
]
_BAD_DATES = ["31.02.2023", "30 лютого", "2031-05-01", "2021-06-01", "sometime soon", "32 September"]

_COUNTS = [  # (weight, wording): killed/injured as reports word them
    (18, None), (14, "0"), (16, "1"), (7, "2"), (5, "3"), (3, "4"), (2, "7"), (4, "one"), (4, "two"),
    (2, "three"), (1, "Five"), (2, "about 60"), (2, "more than 14"), (2, "at least eight"), (2, "кілька"),
    (1, "several"), (1, "двоє"), (1, "не менше 5"), (1, "up to 10"), (1, "2-3"), (1, "no casualties"),
    (1, "щонайменше 3"), (1, "понад 20"), (1, "1,277"),
]
_SETTLEMENTS = [(40, None), (10, "22"), (10, "more than 20"), (8, "several"), (6, "at least 7"), (6, "12"),
                (6, "dozens"), (10, "9")]
_TIMES = [(66, None), (10, "morning"), (6, "night"), (4, "evening"), (2, "afternoon"), (2, "22:52"),
          (2, "4:30"), (2, "близько 18:30"), (2, "вранці"), (1, "around 06:15"), (1, "early"), (2, "day")]
_ATTACKS = [  # (weight, event_type, weapon, weapon_detail, cause)
    (30, "shelling", "artillery", None, "shelling"), (10, "shelling", "mlrs", "Grad", "shelling"),
    (6, "shelling", None, None, "shelling"), (3, "Shelling", "Tank", None, "shelling"),
    (25, "missile_strike", "missile", "S-300", "missile_strike"),
    (8, "missile_strike", "missile", "Iskander-M", "missile_strike"),
    (8, "drone_strike", "drone", "Shahed-136", "drone_strike"), (4, "air_strike", "guided_bomb", "KAB", "air_strike"),
    (3, "remote_explosive", "landmine", None, "landmine"), (3, "other", "unknown", None, "other"),
]
_TARGETS = [(25, None), (20, "residential"), (8, "Residential"), (10, "energy"), (8, "infrastructure"),
            (5, "energy;infrastructure"), (4, "residential; commercial"), (3, "industrial"), (3, "transport"),
            (2, "medical"), (2, "educational"), (2, "agricultural"), (4, "unknown"), (4, "open area")]
_DAMAGE = [(50, None), (10, "private houses damaged"), (8, "windows blown out, a car burned"),
           (6, "пошкоджено приватні будинки"), (4, "an apartment block, a shop and a petrol station damaged"),
           (4, "лінія електропередач пошкоджена"), (3, "a grain store destroyed")]
_CLAIMS = [  # (weight, claim_by, claimant)
    (40, "regional_admin", "Oleh Syniehubov"), (10, "regional_admin", "Ihor Terekhov"),
    (6, "Regional_Admin", "Kharkiv OVA"), (15, "ua_official", "General Staff of the Armed Forces"),
    (5, "ua_official", "Ukrainian authorities"), (20, "media", None), (1, "third_state", "UK Ministry of Defence"),
]
_CONFIRMED = [(85, "unknown"), (10, None), (4, "no"), (1, "yes")]
_NOTES = [(70, None), (8, "coded from the English copy"), (6, "the report repeats yesterday's figures, new ones only"),
          (4, "casualties given jointly for two villages; coded once"),
          (3, 'quotes the governor: "no military targets"'),
          (2, "two reports, one event;\nsecond line of the note"), (3, "див. допис на Telegram-каналі ОВА")]
_OBLAST_WORDS = ["Kharkiv Oblast", "Kharkiv region", "Харківська область", "Харківщині", "Харьковской области",
                 "Region Charkiw"]
_OTHER_PLACES = ["Kyiv", "Lviv", "Zaporizhzhia", "Dnipro", "Odesa", "Kryvyi Rih", "Mykolaiv", "Sumy", "Poltava",
                 "Kramatorsk"]
_BAD_PLACES = ["Nowhereville", "Атлантида", "Springfield", "Xyzivka"]


def _pool(rng: np.random.Generator, pairs, n: int) -> np.ndarray:
    """n draws from [(weight, value)...] as an object array (None = empty cell)."""
    w = np.array([p[0] for p in pairs], dtype="float64")
    vals = np.empty(len(pairs), dtype=object)
    vals[:] = [p[1] for p in pairs]
    return vals[rng.choice(len(pairs), size=n, p=w / w.sum())]


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.array([f"{prefix}{i:07d}" for i in range(1, n + 1)], dtype=object)


def _place_combos(raw: Path) -> tuple[list[tuple], np.ndarray]:
    """(place, raion, oblast) spellings that resolve to one gazetteer entry, with weights."""
    from analysis.clean import places, tables
    from analysis.clean.errors import Rejects
    from analysis.clean.read import read_raw
    from analysis.registry.schema import GAZETTEER

    graw = read_raw(raw / "gazetteer.csv", GAZETTEER).frame
    gaz_df = tables.gazetteer(graw, Rejects("gazetteer", "gazetteer.csv"))
    gaz = places.Gazetteer(gaz_df)
    kh = gaz_df[gaz_df["oblast"] == "Kharkiv"]
    big = {"Kharkiv": 40.0, "Kupiansk": 8.0, "Izium": 6.0, "Chuhuiv": 6.0, "Vovchansk": 5.0, "Balakliia": 4.0,
           "Lozova": 3.0, "Derhachi": 2.0, "Zolochiv": 2.0, "Bohodukhiv": 2.0, "Zmiiv": 2.0}
    raions = {r.raion: r for r in kh[kh["place_type"] == "raion"].itertuples()}
    combos: list[tuple] = []
    weights: list[float] = []

    def add(t: tuple, w: float) -> None:
        pid, _ = gaz.match_one(*t)
        if pid is not None:
            combos.append(t)
            weights.append(w)

    for r in kh.itertuples():
        if r.place_type in ("raion", "oblast"):
            continue
        base = big.get(r.name, 0.05)
        spellings = [(r.name, 0.5), (r.name_uk, 0.2), (r.name_ru, 0.1)]
        var = [v for v in r.variants.split(";") if v] if isinstance(r.variants, str) else []
        spellings += [(v, 0.2 / len(var)) for v in var[:12]] if var else []
        for sp, share in spellings:
            if not isinstance(sp, str) or not sp:
                continue
            add((sp, None, None), base * share * 0.8)
            add((sp, None, _OBLAST_WORDS[len(combos) % len(_OBLAST_WORDS)]), base * share * 0.1)
            rr = raions.get(r.raion)
            if rr is not None:
                add((sp, f"{r.raion} district", None), base * share * 0.1)
    for r in raions.values():
        for sp in (r.name_uk, f"{r.raion} district", r.name_ru):
            if isinstance(sp, str):
                add((None, sp, None), 0.4)
    for ob in _OBLAST_WORDS:
        add((None, None, ob), 1.5)
    for p in _OTHER_PLACES:
        add((p, None, None), 1.0)
    return combos, np.array(weights) / sum(weights)


class _Gen:
    def __init__(self, rows: int, raw: Path, seed: int):
        self.rng = np.random.default_rng(seed)
        self.days = pd.date_range(FIRST_PUB - pd.Timedelta(days=7), LAST_PUB, freq="D")
        w = np.array([f[0] for f in _DAY_FORMS], dtype="float64")
        self.day_w = w / w.sum()
        self.day_table = np.array([[f(d) for _, f in _DAY_FORMS] for d in self.days], dtype=object)
        self.combos, self.combo_w = _place_combos(raw)
        arr = np.empty((len(self.combos), 3), dtype=object)
        arr[:] = self.combos
        self.combo_arr = arr

    def dates(self, pub_day: np.ndarray) -> np.ndarray:
        """Date phrases for events published on day index pub_day (into self.days)."""
        rng, n = self.rng, len(pub_day)
        rel = rng.random(n) < 0.35
        out = _pool(rng, _RELATIVE_FORMS, n)
        back = np.minimum(rng.choice([0, 1, 1, 2, 3, 5, 6], size=n), pub_day)
        form = rng.choice(len(_DAY_FORMS), size=n, p=self.day_w)
        out[~rel] = self.day_table[(pub_day - back)[~rel], form[~rel]]
        return out

    def places(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        idx = self.rng.choice(len(self.combos), size=n, p=self.combo_w)
        a = self.combo_arr[idx]
        return a[:, 0].copy(), a[:, 1].copy(), a[:, 2].copy()

    def spoil(self, cols: dict[str, np.ndarray], n: int, kinds: dict[str, list], share: float = BAD_SHARE) -> None:
        """Make about `share` of the rows bad in one of the given columns."""
        rng = self.rng
        bad = np.flatnonzero(rng.random(n) < share)
        names = list(kinds)
        which = rng.integers(0, len(names), size=len(bad))
        for k, name in enumerate(names):
            rows = bad[which == k]
            pool = np.empty(len(kinds[name]), dtype=object)
            pool[:] = kinds[name]
            cols[name][rows] = pool[rng.integers(0, len(pool), size=len(rows))]


def _write(df: dict[str, np.ndarray], columns: list[str], path: Path) -> None:
    """The registry's raw columns in its order; a column this generator does not know (one just added to the
    registry) is written empty, so a new optional column needs no edit here."""
    n = len(next(iter(df.values())))
    arrays = [pa.array(df[c], type=pa.string(), from_pandas=True) if c in df else pa.nulls(n, pa.string())
              for c in columns]
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=columns), path,
                    pacsv.WriteOptions(quoting_style="needed"))


def synth(rows: int, out: Path | str, seed: int = 0) -> dict[str, int]:
    """Write a synthetic raw folder with `rows` events; returns rows written per table. The folder must be new,
    empty or an earlier synth's: hand-coded raw tables are never written over."""
    from analysis.clean.files import claim_output, remember
    from analysis.registry.schema import RAW_TABLES

    out = Path(out)
    claim_output(out, command="synth")
    out.mkdir(parents=True, exist_ok=True)
    remember(out, [f"{t.name}.csv" for t in RAW_TABLES])  # before writing: a killed synth's folder stays its own
    g = _Gen(rows, REPO_RAW, seed)
    rng = g.rng
    n_ev, n_ca, n_st = rows, max(rows // 3, 1), max(rows // 20, 1)
    n_cl, n_ta, n_src = max(rows // 50, 1), max(rows // 100, 1), max(rows // 10, 1)
    written: dict[str, int] = {}

    # sources --------------------------------------------------------------------------------------
    outlets = np.array(["Ukrinform", "Суспільне Харків", "The Kyiv Independent", "Reuters", "Цензор.НЕТ",
                        "Kharkiv Today", "РБК-Україна", "Interfax-Ukraine"], dtype=object)
    domains = np.array(["ukrinform.net", "suspilne.media", "kyivindependent.com", "reuters.com", "censor.net",
                        "kharkiv.today", "rbc.ua", "interfax.com.ua"], dtype=object)
    langs = np.array(["en", "uk", "en", "en", "ru", "en", "uk", "en"], dtype=object)
    stypes = np.array(["news_agency", "news_outlet", "news_outlet", "news_agency", "news_outlet", "news_outlet",
                       "news_outlet", "news_agency"], dtype=object)
    o = rng.integers(0, len(outlets), size=n_src)
    first = int((FIRST_PUB - g.days[0]).days)
    pub_day = rng.integers(first, len(g.days), size=n_src)
    urls = [f"https://{domains[k]}/news/{i}-shelling-report" for i, k in enumerate(o.tolist(), start=1)]
    sid = np.array(["src_" + hashlib.sha1(u.encode()).hexdigest()[:10] for u in urls], dtype=object)
    day_iso = np.array([d.strftime("%Y-%m-%d") for d in g.days], dtype=object)
    src = {
        "source_id": sid, "url": np.array(urls, dtype=object), "outlet": outlets[o],
        "title": _pool(rng, [(3, None), (5, "Russian shelling of Kharkiv region"), (2, "Обстріли Харківщини")],
                       n_src),
        "published": day_iso[pub_day], "date_basis": _pool(rng, [(9, "page"), (1, "inferred")], n_src),
        "language": langs[o], "source_type": stypes[o],
        "retrospective": _pool(rng, [(6, "no"), (3, None), (1, "yes")], n_src),
        "accessed": _pool(rng, [(8, "2026-11-25"), (2, None)], n_src),
        "notes": _pool(rng, [(9, None), (1, "page shows the date at the top")], n_src),
    }
    g.spoil(src, n_src, {"published": ["2022-02-30", "2031-01-01", "19.09.2022"],
                         "source_type": ["newspaper", "blog"]}, share=BAD_SHARE / 5)  # bad sources cascade
    _write(src, SOURCES.raw_columns, out / "sources.csv")
    written["sources"] = n_src

    # events ---------------------------------------------------------------------------------------
    s_of = rng.integers(0, n_src, size=n_ev)
    att = rng.choice(len(_ATTACKS), size=n_ev, p=np.array([a[0] for a in _ATTACKS]) / sum(a[0] for a in _ATTACKS))
    attacks = np.array([a[1:] for a in _ATTACKS], dtype=object)
    cl = rng.choice(len(_CLAIMS), size=n_ev, p=np.array([c[0] for c in _CLAIMS]) / sum(c[0] for c in _CLAIMS))
    claims = np.array([c[1:] for c in _CLAIMS], dtype=object)
    pl, ra, ob = g.places(n_ev)
    ev = {
        "event_id": _ids("EV-", n_ev), "source_id": sid[s_of], "date_reported": g.dates(pub_day[s_of]),
        "time_reported": _pool(rng, _TIMES, n_ev), "place_reported": pl, "raion_reported": ra,
        "oblast_reported": ob, "event_type": attacks[att, 0].copy(), "weapon": attacks[att, 1].copy(),
        "weapon_detail": attacks[att, 2].copy(), "target_type": _pool(rng, _TARGETS, n_ev),
        "damage": _pool(rng, _DAMAGE, n_ev), "actor": _pool(rng, [(6, "Russia"), (2, "Russian forces"), (3, None)],
                                                          n_ev),
        "claim_by": claims[cl, 0].copy(), "claimant": claims[cl, 1].copy(),
        "confirmed": _pool(rng, _CONFIRMED, n_ev), "coder_note": _pool(rng, _NOTES, n_ev),
    }
    g.spoil(ev, n_ev, {"date_reported": _BAD_DATES, "place_reported": _BAD_PLACES,
                       "event_type": ["shellling", "rocket attack"], "claim_by": ["governor"]})
    _write(ev, EVENTS.raw_columns, out / "events.csv")
    written["events"] = n_ev

    # casualties: 60% report on a coded event (same source, date and place), the rest stand alone
    linked = rng.random(n_ca) < 0.6
    e_of = rng.integers(0, n_ev, size=n_ca)
    s_ca = np.where(linked, s_of[e_of], rng.integers(0, n_src, size=n_ca))
    pl2, ra2, ob2 = g.places(n_ca)
    d2 = g.dates(pub_day[s_ca])
    killed, injured = _pool(rng, _COUNTS, n_ca), _pool(rng, _COUNTS, n_ca)
    both_empty = np.array([k is None for k in killed]) & np.array([i is None for i in injured])
    injured[both_empty] = "1"
    kid = (rng.random(n_ca) < 0.04) & np.isin(killed, ["1", "2", "3", "4", "7", "one", "two", "three", "Five"])
    children = np.full(n_ca, None, dtype=object)
    children[kid] = "1"
    cl2 = rng.choice(len(_CLAIMS), size=n_ca, p=np.array([c[0] for c in _CLAIMS]) / sum(c[0] for c in _CLAIMS))
    ca = {
        "casualty_id": _ids("CA-", n_ca), "source_id": sid[s_ca],
        "event_id": np.where(linked, ev["event_id"][e_of], None),
        "date_reported": np.where(linked, ev["date_reported"][e_of], d2),
        "place_reported": np.where(linked, ev["place_reported"][e_of], pl2),
        "raion_reported": np.where(linked, ev["raion_reported"][e_of], ra2),
        "oblast_reported": np.where(linked, ev["oblast_reported"][e_of], ob2),
        "killed": killed, "injured": injured,
        "victim_group": _pool(rng, [(80, "civilian"), (8, "unknown"), (6, "mixed"), (3, "military"), (3, None)], n_ca),
        "children_killed": children,
        "children_injured": np.where((rng.random(n_ca) < 0.04) & np.isin(injured, ["1", "2", "3", "two", "4"]),
                                     "1", None),
        "sex": _pool(rng, [(70, None), (10, "male"), (10, "female"), (10, "mixed")], n_ca),
        "ages": _pool(rng, [(85, None), (5, "63"), (5, "39;47;66"), (5, "11")], n_ca),
        "cause": np.where(linked, attacks[att[e_of], 3], _pool(rng, [(5, "shelling"), (3, "missile_strike"),
                                                                    (1, "landmine"), (1, "unknown")], n_ca)),
        "figure_type": _pool(rng, [(9, "new"), (1, "cumulative")], n_ca),
        "claim_by": np.where(linked, ev["claim_by"][e_of], claims[cl2, 0]),
        "claimant": np.where(linked, ev["claimant"][e_of], claims[cl2, 1]),
        "confirmed": _pool(rng, _CONFIRMED, n_ca), "coder_note": _pool(rng, _NOTES, n_ca),
    }
    g.spoil(ca, n_ca, {"date_reported": _BAD_DATES, "killed": ["many dozens of", "-3", "5-2"],
                       "cause": ["bombing"], "place_reported": _BAD_PLACES})
    _write(ca, CASUALTIES.raw_columns, out / "casualties.csv")
    written["casualties"] = n_ca

    # statements -----------------------------------------------------------------------------------
    speakers = np.array([("Volodymyr Zelenskyy", "President of Ukraine", "Office of the President", "UA"),
                         ("Dmitry Peskov", "Kremlin spokesman", "Kremlin", "RU"),
                         ("Antony Blinken", "Secretary of State", "US Department of State", "US"),
                         ("Recep Tayyip Erdoğan", "President of Turkey", None, "TR"),
                         ("António Guterres", "UN Secretary-General", "United Nations", "INT"),
                         ("Mykhailo Podolyak", "adviser", "Office of the President", "UA")], dtype=object)
    sp = rng.integers(0, len(speakers), size=n_st)
    s_st = rng.integers(0, n_src, size=n_st)
    st = {
        "statement_id": _ids("ST-", n_st), "source_id": sid[s_st], "date_reported": g.dates(pub_day[s_st]),
        "speaker": speakers[sp, 0].copy(), "role": speakers[sp, 1].copy(), "affiliation": speakers[sp, 2].copy(),
        "country": speakers[sp, 3].copy(),
        "channel": _pool(rng, [(4, None), (3, "speech"), (3, "press_conference"), (2, "telegram"),
                               (2, "TV interview")], n_st),
        "topic": _pool(rng, [(5, "negotiations"), (2, "negotiations;war_end"), (2, "nato"),
                             (1, "peace_talks; war_end"), (1, "grain_deal")], n_st),
        "stance": _pool(rng, [(4, "not_applicable"), (2, "conditional"), (2, "open"), (1, "rejects"),
                              (1, "Proposes")], n_st),
        "summary": _pool(rng, [(3, "Talks make no sense until Russian troops leave Ukraine."),
                               (2, "Moscow is open to talks on its terms."),
                               (1, "Offers to host a meeting, \"anywhere, any time\".")], n_st),
        "claim_by": _pool(rng, [(8, "media"), (2, None)], n_st), "confirmed": _pool(rng, _CONFIRMED, n_st),
        "coder_note": _pool(rng, _NOTES, n_st),
    }
    g.spoil(st, n_st, {"date_reported": _BAD_DATES, "stance": ["hawkish"], "country": ["Ukraine", "usa"]})
    _write(st, STATEMENTS.raw_columns, out / "statements.csv")
    written["statements"] = n_st

    # control --------------------------------------------------------------------------------------
    s_cl = rng.integers(0, n_src, size=n_cl)
    pl3, ra3, ob3 = g.places(n_cl)
    ct = {
        "claim_id": _ids("CL-", n_cl), "source_id": sid[s_cl], "date_reported": g.dates(pub_day[s_cl]),
        "place_reported": pl3, "raion_reported": ra3, "oblast_reported": ob3,
        "claim": _pool(rng, [(4, "took"), (2, "lost"), (1, "holds"), (1, "advanced to"), (1, "contested")], n_cl),
        "side": _pool(rng, [(2, "ua"), (1, "ru"), (1, "UA")], n_cl),
        "claimant": _pool(rng, [(3, "General Staff"), (2, "Russian Ministry of Defence"), (2, None)], n_cl),
        "claim_by": _pool(rng, [(3, "ua_official"), (2, "ru_official"), (2, "media"), (1, "think_tank")], n_cl),
        "confirmed": _pool(rng, _CONFIRMED, n_cl), "coder_note": _pool(rng, _NOTES, n_cl),
    }
    g.spoil(ct, n_cl, {"date_reported": _BAD_DATES, "place_reported": _BAD_PLACES, "claim": ["liberated"]})
    _write(ct, CONTROL.raw_columns, out / "control.csv")
    written["control"] = n_cl

    # tallies --------------------------------------------------------------------------------------
    s_ta = rng.integers(0, n_src, size=n_ta)
    dta = g.dates(pub_day[s_ta])
    whole = rng.random(n_ta) < 0.7
    pl4, ra4, ob4 = g.places(n_ta)
    ta = {
        "tally_id": _ids("TA-", n_ta), "source_id": sid[s_ta], "date_reported": dta,
        "period": np.where(rng.random(n_ta) < 0.5, dta, _pool(rng, [(1, "over the past day"), (1, None)], n_ta)),
        "place_reported": np.where(whole, None, pl4), "raion_reported": np.where(whole, None, ra4),
        "oblast_reported": np.where(whole, _pool(rng, [(1, w) for w in _OBLAST_WORDS], n_ta), ob4),
        "settlements_shelled": _pool(rng, _SETTLEMENTS, n_ta), "killed": _pool(rng, _COUNTS, n_ta),
        "injured": _pool(rng, _COUNTS, n_ta), "claim_by": claims[rng.integers(0, 5, size=n_ta), 0],
        "claimant": _pool(rng, [(3, "Oleh Syniehubov"), (1, "Kharkiv OVA"), (1, None)], n_ta),
        "confirmed": _pool(rng, _CONFIRMED, n_ta), "coder_note": _pool(rng, _NOTES, n_ta),
    }
    g.spoil(ta, n_ta, {"date_reported": _BAD_DATES, "killed": ["many dozens of"], "oblast_reported": ["Narnia"]})
    _write(ta, TALLIES.raw_columns, out / "tallies.csv")
    written["tallies"] = n_ta

    # links: coder decisions, a few per thousand events, merging two event reports or splitting one off
    n_lk = max(1, n_ev // 500)
    a, b = rng.integers(0, n_ev, size=n_lk), rng.integers(0, n_ev, size=n_lk)
    lk = {
        "link_id": np.array([f"LK-{i:06d}" for i in range(1, n_lk + 1)], dtype=object),
        "action": _pool(rng, [(3, "merge"), (1, "split")], n_lk),
        "ids": np.array([f"{ev['event_id'][i]};{ev['event_id'][j]}" for i, j in zip(a, b, strict=True)],
                        dtype=object),
        "reason": _pool(rng, [(1, "Both reports describe the same strike."), (1, "Different attacks.")], n_lk),
        "source_id": sid[rng.integers(0, n_src, size=n_lk)], "coder_note": _pool(rng, _NOTES, n_lk),
    }
    g.spoil(lk, n_lk, {"action": ["join"], "ids": ["EV-NOPE"]})
    _write(lk, LINKS.raw_columns, out / "links.csv")
    written["links"] = n_lk

    shutil.copyfile(REPO_RAW / "gazetteer.csv", out / "gazetteer.csv")
    written["gazetteer"] = len(pd.read_csv(out / "gazetteer.csv", dtype="str", usecols=["place_id"]))
    return written


def _main(args: argparse.Namespace) -> int:
    import time

    t0 = time.perf_counter()
    n = synth(args.rows, Path(args.out), args.seed)
    print(", ".join(f"{k} {v:,}" for k, v in n.items()) + f" -> {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def register(subparsers) -> None:
    """Add `synth --rows N --out DIR [--seed S]` to the command line."""
    p = subparsers.add_parser("synth", help="write a synthetic, realistically messy raw folder (benchmarks)")
    p.add_argument("--rows", type=int, required=True, help="number of events; the other tables scale with it")
    p.add_argument("--out", required=True, help="folder to write the raw CSVs into")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same files)")
    p.set_defaults(func=_main)
