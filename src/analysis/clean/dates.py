"""Resolve dates as coders copy them from reports ('on Sunday', '22 вересня', 'end of March',
'over the past day', '18.09.2022') into a start, an end and a UCDP-style precision code.

Each distinct phrase is parsed once into a rule (absolute day/month, offset from publication,
weekday, ...); the rules are then applied to every row with vectorised date arithmetic against
the report's publication date. A phrase the grammar does not know is an error, never a guess.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.clean import arrow_lookup

WAR_START = pd.Timestamp("2022-02-24")
_EMPTY = "\x00empty"

_MONTHS = {
    1: "january jan січня січень січ января январь янв",
    2: "february feb лютого лютий лют февраля февраль фев",
    3: "march mar березня березень бер марта март",
    4: "april apr квітня квітень кві апреля апрель апр",
    5: "may травня травень тра мая май",
    6: "june jun червня червень чер июня июнь июн",
    7: "july jul липня липень лип июля июль июл",
    8: "august aug серпня серпень сер августа август авг",
    9: "september sept sep вересня вересень вер сентября сентябрь сен",
    10: "october oct жовтня жовтень жов октября октябрь окт",
    11: "november nov листопада листопад лис ноября ноябрь ноя",
    12: "december dec грудня грудень гру декабря декабрь дек",
}
_MONTHS_MORE = {  # locative forms and the other languages reports came in (de, fr, it, ro, pl)
    1: "січні январе januar janvier gennaio ianuarie stycznia",
    2: "лютому феврале februar février febbraio februarie lutego",
    3: "березні марте märz mars marzo martie marca",
    4: "квітні апреле avril aprile aprilie kwietnia",
    5: "травні мае mai maggio maja",
    6: "червні июне juni juin giugno iunie czerwca",
    7: "липні июле juli juillet luglio iulie lipca",
    8: "серпні августе août agosto sierpnia",
    9: "вересні сентябре septembre settembre septembrie września",
    10: "жовтні октябре oktober octobre ottobre octombrie października",
    11: "листопаді ноябре novembre noiembrie listopada",
    12: "грудні декабре dezember décembre dicembre decembrie grudnia",
}
MONTHS = {w: m for d in (_MONTHS, _MONTHS_MORE) for m, ws in d.items() for w in ws.split()}
_WEEKDAYS = {
    0: "monday понеділок понеділка понедельник",
    1: "tuesday вівторок вівторка вторник",
    2: "wednesday середа середу среда среду",
    3: "thursday четвер четверга четверг",
    4: "friday пятниця пятницю пятница пятницу",
    5: "saturday субота суботу суббота субботу",
    6: "sunday неділя неділю воскресенье",
}
_WEEKDAYS_MORE = {  # de, fr, it, pl, no/da, nl, hu, pt, ro
    0: "montag lundi lunedì lunedi poniedziałek poniedzialek mandag maandag hétfő hétfőn segunda luni",
    1: "dienstag mardi martedì martedi wtorek tirsdag dinsdag kedd kedden terça marți marti",
    2: "mittwoch mercredi mercoledì mercoledi środa środę sroda onsdag woensdag szerda szerdán quarta miercuri",
    3: "donnerstag jeudi giovedì giovedi czwartek torsdag donderdag csütörtök csütörtökön quinta joi",
    4: "freitag vendredi venerdì venerdi piątek piatek fredag vrijdag péntek pénteken sexta vineri",
    5: "samstag samedi sabato sobota sobotę sobotnich sobotni lørdag zaterdag szombat szombaton sábado sâmbătă",
    6: "sonntag dimanche domenica niedziela niedzielę søndag zondag vasárnap domingo duminică",
}
WEEKDAYS = {w: d for t in (_WEEKDAYS, _WEEKDAYS_MORE) for d, ws in t.items() for w in ws.split()}

#: fixed phrases -> (offset of start, offset of end) in days from the publication date
RELATIVE = {
    "today": (0, 0), "earlier today": (0, 0), "this morning": (0, 0), "this afternoon": (0, 0),
    "this evening": (0, 0), "tonight": (0, 0), "сьогодні": (0, 0), "сьогодні вранці": (0, 0),
    "сегодня": (0, 0), "сегодня утром": (0, 0), "утром": (0, 0), "вранці": (0, 0),
    "yesterday": (-1, -1), "yesterday evening": (-1, -1), "yesterday morning": (-1, -1),
    "yesterday afternoon": (-1, -1), "late yesterday": (-1, -1), "вчора": (-1, -1),
    "учора": (-1, -1), "вчора ввечері": (-1, -1), "вчера": (-1, -1), "вчера вечером": (-1, -1),
    "ввечері": (-1, 0), "вечером": (-1, 0),
    "the day before yesterday": (-2, -2), "позавчора": (-2, -2), "позавчера": (-2, -2),
    "last night": (-1, 0), "overnight": (-1, 0), "during the night": (-1, 0), "at night": (-1, 0),
    "вночі": (-1, 0), "уночі": (-1, 0), "минулої ночі": (-1, 0), "сьогодні вночі": (-1, 0),
    "ночью": (-1, 0), "этой ночью": (-1, 0), "сегодня ночью": (-1, 0), "прошлой ночью": (-1, 0),
    "over the past day": (-1, 0), "over the past 24 hours": (-1, 0), "in the past day": (-1, 0),
    "past day": (-1, 0), "past 24 hours": (-1, 0), "over the last day": (-1, 0),
    "over the day": (-1, 0), "during the day": (-1, 0), "протягом доби": (-1, 0),
    "за минулу добу": (-1, 0), "за добу": (-1, 0), "минулої доби": (-1, 0), "впродовж доби": (-1, 0),
    "за сутки": (-1, 0), "за прошедшие сутки": (-1, 0), "за минувшие сутки": (-1, 0),
    "в течение суток": (-1, 0),
    "в минувшие сутки": (-1, 0),
    "this week": (-6, 0), "earlier this week": (-6, 0), "over the past week": (-7, 0),
    "past week": (-7, 0), "за тиждень": (-7, 0), "за минулий тиждень": (-7, 0), "за неделю": (-7, 0),
    "last week": (-13, -7), "минулого тижня": (-13, -7), "на прошлой неделе": (-13, -7),
    "a week ago": (-7, -7), "тиждень тому": (-7, -7), "неделю назад": (-7, -7),
    "more than a week ago": (-14, -8), "over a week ago": (-14, -8), "понад тиждень тому": (-14, -8),
    "более недели назад": (-14, -8),
    "recently": (-14, 0), "нещодавно": (-14, 0), "недавно": (-14, 0),
    "протягом минулої доби": (-1, 0), "упродовж минулої доби": (-1, 0), "during the past day": (-1, 0),
    "over the course of the past day": (-1, 0),
    "за останню добу": (-1, 0), "in the past 24 hours": (-1, 0), "in den letzten 24 stunden": (-1, 0),
    "over the last 24 hours": (-1, 0), "за поточну добу": (0, 0),
    "im laufe des vergangenen tages": (-1, 0), "nelle ultime 24 ore": (-1, 0), "le dernier jour": (-1, 0),
    "минула ніч": (-1, 0), "цієї ночі": (-1, 0), "сьогоднішньої ночі": (-1, 0),
    "усю ніч": (-1, 0), "всю ночь": (-1, 0), "am vergangenen tag": (-1, -1),
    "напередодні": (-1, -1), "накануне": (-1, -1), "the day before": (-1, -1),
    "todays": (0, 0), "сьогоднішнього": (0, 0), "сегодняшнего": (0, 0),  # "today's (shelling)"
    "danes": (0, 0), "danas": (0, 0), "heute": (0, 0), "aujourdhui": (0, 0),
    "in the past three days": (-3, 0), "over the past three days": (-3, 0), "in just a week": (-7, 0),
    "за останній тиждень": (-7, 0), "in den letzten tagen": (-7, 0), "in recent days": (-7, 0),
    "a few days ago": (-6, -2), "кілька днів тому": (-6, -2), "несколько дней назад": (-6, -2),
    "рік тому": (-365, -365), "a year ago": (-365, -365),
}
_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "a": 1, "an": 1, "два": 2, "дві": 2, "три": 3, "чотири": 4, "пять": 5}

_PREFIX = re.compile(
    r"^(?:on|in|at|since|from|by|as of|during|late on|early on|earlier on|late|early|"
    r"до|від|с|з|со)\s+")
_NIGHT = re.compile(r"^(?:(?:on\s+)?the\s+night\s+of|overnight\s+(?:on|into)|(?:у|в)\s+ніч\s+(?:на|проти)|"
                    r"(?:в|у)\s+ночь\s+на|на\s+ніч)\s+(.+)$")
_Q_END = r"(?:fin|end\s+of|the\s+end\s+of|late|наприкінці|в\s+кінці|у\s+кінці|кінець|в\s+конце|конец)"
_Q_EARLY = r"(?:beginning\s+of|the\s+beginning\s+of|start\s+of|early|the\s+start\s+of|на\s+початку|" \
           r"початок|в\s+начале|начало)"
_Q_MID = r"(?:mid|mid-|middle\s+of|the\s+middle\s+of|в\s+середині|в\s+середине|середина)"
_MONTH_RE = "(?P<mon>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:,?\s*(?P<year>\d{4})(?:\s*(?:р\.?|року|г\.?|года))?)?"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"^(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<d1>\d{1,2})$")),
    ("numeric", re.compile(r"^(?P<d1>\d{1,2})[./](?P<mon>\d{1,2})[./](?P<year>\d{4}|\d{2})$")),
    ("numeric", re.compile(r"^(?P<d1>\d{1,2})\.(?P<mon>\d{1,2})$")),
    ("day_month", re.compile(r"^(?P<d1>\d{1,2})(?:st|nd|rd|th)?(?:\s*(?:-|–|—|to|and|і|и|та)\s*"
                             r"(?P<d2>\d{1,2})(?:st|nd|rd|th)?)?\s+(?:of\s+)?" + _MONTH_RE + _YEAR + "$")),
    ("month_day", re.compile("^" + _MONTH_RE + r"\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?(?:\s*(?:-|–|—|to|and)\s*"
                             r"(?P<d2>\d{1,2})(?:st|nd|rd|th)?)?" + _YEAR + "$")),
    ("month_end", re.compile("^" + _Q_END + r"\s+" + _MONTH_RE + _YEAR + "$")),
    ("month_early", re.compile("^" + _Q_EARLY + r"\s+" + _MONTH_RE + _YEAR + "$")),
    ("month_mid", re.compile("^" + _Q_MID + r"\s*" + _MONTH_RE + _YEAR + "$")),
    ("month", re.compile("^" + _MONTH_RE + _YEAR + "$")),
    ("dom", re.compile(r"^(?:on\s+)?(?:the\s+)?(?P<d1>\d{1,2})(?:st|nd|rd|th)?$")),
    ("days_ago", re.compile(r"^(?P<n>\d+|one|two|three|four|five|six|seven|a|an|два|дві|три|чотири|пять)\s+"
                            r"(?:days?|днів|дні|дня|дней|день)\s+(?:ago|тому|назад)$")),
]
_THIS_MONTH = {"earlier this month", "this month", "цього місяця", "на початку місяця",
               "в этом месяце", "в начале месяца", "at the beginning of the month",
               "at the beginning of this month", "earlier in the month"}
_LAST_MONTH = {"last month", "минулого місяця", "в прошлом месяце"}


@dataclass(frozen=True)
class Rule:
    """What a phrase says, before the publication date is known."""

    kind: str  # absolute | relative | weekday | this_month | last_month | publication | night
    year: int | None = None
    month: int | None = None
    d1: int | None = None
    d2: int | None = None  # 99 = last day of the month
    off1: int = 0
    off2: int = 0
    weekday: int | None = None
    rule: str = ""


def normalise(phrase: str) -> str:
    """Lower case, one kind of apostrophe and dash, no surrounding punctuation."""
    s = phrase.lower().strip()
    s = re.sub(r"[’'ʼ`]", "", s)
    s = re.sub(r"\s+", " ", s).strip(" .,;:")
    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    s = re.sub(r"(\d)-(го|ого|е|ее|ге)\b", r"\1", s)  # Ukrainian and Russian ordinals: 19-го жовтня
    return s


_CLOCK = re.compile(r"\b(?:о|об|at|about|around|близько|около|приблизно|um|à|ok|circa|ca)?\s*\d{1,2}[:.]\d{2}(?![.\d])"
                    r"(?:\s*(?:am|pm|год|h|ранку|ночі|вечора|утра|вечера))?\b")
_TOD = re.compile(
    r"\b(?:(?:early|late|later)\s+)?(?:(?:in|on|during|at)\s+)?(?:the\s+)?(?:dead\s+of\s+)?"
    r"(?:morning|afternoon|evening|night|noon|midday|end of the day|daytime)(?:\s+(?:of|on|hours of))?\b|"
    r"\b(?:близько|около|приблизно)?\s*(?:о\s+)?(?:першої|другої|третьої|четвертої|пятої|шостої|сьомої|"
    r"восьмої|девятої|десятої|одинадцятої|дванадцятої)?\s*години\s+(?:ночі|ранку|дня|вечора)\b|"
    r"\b(?:пізно\s+)?(?:вранці|зранку|уранці|ранку|вдень|удень|днем|днём|ввечері|увечері|надвечір|вдосвіта|"
    r"вечором|вечером|утром|ночью|вночі|уночі|ранковий|ранкового|суботнього|am\s+morgen(?:\s+des)?|morgens|"
    r"früh|abends|ettermiddag|throughout the day)\b|"
    r"\b(?:în\s+)?(?:dimineața|după-amiaza|seara)(?:\s+zilei\s+de)?\b|morgen\b|abend\b")
_LEAD = re.compile(r"^(?:today|сьогодні|сегодня|this|throughout the day on|as of|станом на|по состоянию на|"
                   r"за|am|dem|den|le|la|w|в|у|во|on|neste|this past|late on|early on|early|late)\s+")
_RANGE = re.compile(r"^(?:from\s+|з\s+|с\s+|between\s+)?(?P<a>.+?)\s+(?:to|until|till|по|до|and|та|і|и|-|–)\s+"
                    r"(?P<b>.+)$")
_WAR = re.compile(r"^(?:since|from)?\s*(?:the\s+)?(?:beginning|start)\s+of\s+the\s+(?:full[- ]scale\s+)?"
                  r"(?:invasion|war)|^з\s+початку\s+(?:повномасштабного\s+вторгнення|війни)|"
                  r"^с\s+начала\s+(?:полномасштабного\s+вторжения|войны)|^за\s+час\s+війни")


def _candidates(s: str) -> list[str]:
    """Simpler readings of a phrase: without its clock time and time-of-day words, its parts."""
    out = [s]
    inner = re.findall(r"\(([^)]*)\)", s)
    out += [i.strip() for i in inner]
    bare = re.sub(r"\([^)]*\)", " ", s)
    bare = _CLOCK.sub(" ", bare)
    bare = re.sub(r"\s+", " ", _TOD.sub(" ", bare)).strip(" ,.")
    bare = re.sub(r"^(?:протягом|впродовж|в течение)\s+(?:доби|суток)\s*", "", bare)
    bare = re.sub(r"\s+(?:та|і|и|and|und|et)$", "", bare)
    bare = re.sub(r"(?:^|\s)(?:з|с|from)\s+(\d{1,2})\s+(?:на|по|to)\s+(\d{1,2})\s", r" \1-\2 ",
                  " " + bare + " ").strip()
    if not bare:
        return [s, ""]
    out.append(bare)
    first, _, rest = bare.partition(" ")
    if first.strip(",") in WEEKDAYS and re.search(r"\d", rest):
        out.append(rest.strip(" ,"))
    parts = [p.strip() for p in bare.split(",") if p.strip()]
    out += sorted(parts, key=lambda p: not re.search(r"\d", p))
    for _ in range(3):
        bare = _LEAD.sub("", bare).strip(" ,.")
        out.append(bare)
    first, _, rest = bare.partition(" ")
    if first.strip(",") in WEEKDAYS and re.search(r"\d", rest):
        out.append(_LEAD.sub("", rest.strip(" ,")))
    out += [_LEAD.sub("", p) for p in parts]
    return [c for c in dict.fromkeys(out) if c]


@functools.lru_cache(maxsize=1 << 16)  # every table reports the same few thousand phrases: parse each once
def parse_phrase(phrase: str | None) -> Rule | str:
    """Parse one phrase into a Rule, or return the reason it cannot be parsed."""
    if phrase is None or (isinstance(phrase, float) and np.isnan(phrase)) or not str(phrase).strip():
        return Rule("publication", off1=-1, off2=0, rule="publication")
    s = normalise(str(phrase))
    s = re.sub(r"(\d)\.(?=\s|$)", r"\1", s)  # German ordinals: '2. november'
    # 'в ночь с 1 на 2 сентября', 'у ніч з 1 на 2 вересня': the night spans both days
    s = re.sub(r"^(?:в|у)\s+(?:ночь|ніч)\s+(?:с|з|із)\s+(\d{1,2})\s+(?:на|по)\s+(\d{1,2})\s", r"\1-\2 ", s)
    war = _WAR.match(s)
    if war:
        rest = s[war.end():].strip(" ,")
        rest = re.sub(r"^(?:until|till|to|до|по)\s+", "", rest)
        end = _core(rest) if rest else None
        if isinstance(end, Rule) and end.kind == "absolute" and end.d2 is None:
            return Rule("war_to", end.year, end.month, end.d1, rule="since_invasion")
        return Rule("war_to", rule="since_invasion")
    since = re.match(r"^(?:since|starting from|from|з|із|від|с|начиная с|seit|depuis|od)\s+(.+)$", s)
    if since:
        start = _core(re.sub(r"^the\s+", "", since.group(1)))
        if isinstance(start, Rule) and start.kind == "absolute" and start.d2 is None:
            return Rule("since", start.year, start.month, start.d1, rule="since")
    for cand in _candidates(s):
        if cand == "":
            return Rule("relative", off1=-1, off2=0, rule="time_only")
        r = _core(cand)
        if isinstance(r, Rule):
            return r
    m = _RANGE.match(_candidates(s)[-1])
    if m:
        a, b = _core(m.group("a")), _core(m.group("b"))
        if isinstance(b, Rule) and b.kind == "absolute" and b.d2 is None and not isinstance(a, Rule) \
                and re.fullmatch(r"\d{1,2}", m.group("a").strip()):
            a = Rule("absolute", b.year, b.month, int(m.group("a")), rule="day_month")
        if isinstance(a, Rule) and isinstance(b, Rule) and a.kind == b.kind == "absolute" and a.d2 is None \
                and b.d2 is None and (a.month, a.d1) != (b.month, b.d1):
            return Rule("span", a.year or b.year, a.month, a.d1, b.d1, off1=b.month, rule="range")
    return f"unrecognised date phrase {phrase!r} (see the date forms in docs/codebook.md)"


def _core(s: str) -> Rule | str:
    """The grammar proper, on one normalised candidate."""
    night = _NIGHT.match(s)
    if night:
        inner = parse_phrase(night.group(1))
        if isinstance(inner, Rule) and inner.kind == "absolute" and inner.d2 is None:
            return Rule("night", inner.year, inner.month, inner.d1, rule="night_of")
        if isinstance(inner, Rule) and inner.kind == "weekday":
            return Rule("weekday_night", weekday=inner.weekday, rule="night_of")
        return f"unrecognised night-of phrase {s!r}"
    for _ in range(2):
        if s in RELATIVE:
            o1, o2 = RELATIVE[s]
            return Rule("relative", off1=o1, off2=o2, rule="relative")
        if s in _THIS_MONTH:
            return Rule("this_month", rule="this_month")
        if s in _LAST_MONTH:
            return Rule("last_month", rule="last_month")
        wd = re.sub(r"^(?:last|this past|this|минулої|минулого|в минулу|в минулий|в|у|во|в прошлое|"
                    r"в прошлую|в прошлый)\s+", "", s)
        wd = re.sub(r"\s+(?:morning|evening|night|afternoon)$", "", wd)
        if wd in WEEKDAYS:
            return Rule("weekday", weekday=WEEKDAYS[wd], rule="weekday")
        for name, pat in PATTERNS:
            m = pat.match(s)
            if not m:
                continue
            g = m.groupdict()
            if name == "days_ago":
                n = int(g["n"]) if g["n"].isdigit() else _NUM_WORDS[g["n"]]
                return Rule("relative", off1=-n, off2=-n, rule="days_ago")
            if name == "dom":
                return Rule("dom", d1=int(g["d1"]), rule="day_of_month")
            mon = int(g["mon"]) if g["mon"].isdigit() else MONTHS[g["mon"]]
            year = g.get("year")
            y = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
            if not 1 <= mon <= 12:
                return f"no month {mon} in {s!r}"
            d1, d2 = {"month_end": (21, 99), "month_early": (1, 10), "month_mid": (11, 20),
                      "month": (1, 99)}.get(name, (None, None))
            if d1 is None:
                d1 = int(g["d1"])
                d2 = int(g["d2"]) if g.get("d2") else None
            return Rule("absolute", y, mon, d1, d2, rule=name)
        stripped = _PREFIX.sub("", s)
        if stripped == s:
            break
        s = stripped
    return "unrecognised"


def _rules_frame(phrases: pd.Series) -> pd.DataFrame:
    """One row per phrase given (missing: the empty phrase), in order, with its rule fields (or error)."""
    recs = []
    for p in phrases.astype("object").fillna(_EMPTY):
        r = parse_phrase(None if p == _EMPTY else p)
        if isinstance(r, str):
            recs.append({"phrase": p, "kind": "error", "error": r})
        else:
            recs.append({"phrase": p, "kind": r.kind, "year": r.year, "month": r.month, "d1": r.d1,
                         "d2": r.d2, "off1": r.off1, "off2": r.off2, "weekday": r.weekday,
                         "rule": r.rule, "error": None})
    # explicit columns: no rows, or only errors, must still give every rule field
    out = pd.DataFrame.from_records(recs, columns=["phrase", "kind", "year", "month", "d1", "d2", "off1", "off2",
                                                   "weekday", "rule", "error"])
    for c in ("year", "month", "d1", "d2", "off1", "off2", "weekday"):
        out[c] = pd.to_numeric(out.get(c), errors="coerce").astype("Float64")
    return out


def _ymd(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64")
    ok = frame.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=year.index, dtype="datetime64[s]")
    if ok.any():
        out[ok] = pd.to_datetime(frame[ok].astype("int64"), errors="coerce").astype("datetime64[s]")
    return out


def precision(start: pd.Series, end: pd.Series) -> pd.Series:
    """UCDP GED date_prec from the width of the range: 1 one day, 2 two to six days, 3 a seven-day week,
    4 eight to 31 days (about a month), 5 longer."""
    days = (end - start).dt.days
    prec = np.select([days <= 0, days <= 5, days == 6, days <= 30], [1, 2, 3, 4], default=5)
    return pd.Series(prec, index=start.index, dtype="Int64").mask(days.isna())


def resolve(phrases: pd.Series, published: pd.Series) -> pd.DataFrame:
    """Dates for every row: date_start, date_end, date_prec, date_rule and, where it fails, date_error.

    A row's dates depend only on its phrase and its report's publication date: each distinct pair is resolved
    once (a million rows hold about a hundred thousand pairs) and the answers are mapped back to the rows."""
    pub = pd.to_datetime(published).astype("datetime64[s]")
    phrase_code = arrow_lookup.codes(phrases)
    pub_code = pd.factorize(pub.to_numpy().view("int64"))[0].astype("int64")
    pair, _ = pd.factorize(phrase_code * (int(pub_code.max(initial=0)) + 1) + pub_code)
    n = len(pair)
    first = np.empty(pair.max(initial=-1) + 1, dtype="int64")
    first[pair[::-1]] = np.arange(n - 1, -1, -1)  # each pair's first row
    if len(first) == n:
        return _resolve_rows(phrases, pub)
    out = _resolve_rows(phrases.iloc[first].reset_index(drop=True), pub.iloc[first].reset_index(drop=True))
    out = out.iloc[pair]
    out.index = phrases.index
    return out


def _resolve_rows(phrases: pd.Series, pub: pd.Series) -> pd.DataFrame:
    """resolve() row by row (vectorised over the rows given)."""
    r = arrow_lookup.per_distinct(phrases, _rules_frame)  # each distinct phrase parsed once
    kind = r["kind"]
    error = r["error"].astype("str")
    start = pd.Series(pd.NaT, index=phrases.index, dtype="datetime64[s]")
    end = start.copy()
    day = pd.Timedelta(days=1)

    rel = kind.isin(["relative", "publication"])
    start[rel] = pub[rel] + pd.to_timedelta(r.loc[rel, "off1"].astype("float64"), unit="D")
    end[rel] = pub[rel] + pd.to_timedelta(r.loc[rel, "off2"].astype("float64"), unit="D")

    wd = kind.isin(["weekday", "weekday_night"])
    back = (pub[wd].dt.day_of_week - r.loc[wd, "weekday"].astype("float64")) % 7
    start[wd] = pub[wd] - pd.to_timedelta(back, unit="D")
    end[wd] = start[wd]
    night_wd = kind == "weekday_night"
    start[night_wd] = start[night_wd] - day

    tm = kind == "this_month"
    start[tm] = pub[tm].dt.to_period("M").dt.start_time.astype("datetime64[s]")
    end[tm] = pub[tm]
    lm = kind == "last_month"
    prev = (pub[lm].dt.to_period("M") - 1)
    start[lm] = prev.dt.start_time.astype("datetime64[s]")
    end[lm] = prev.dt.end_time.dt.normalize().astype("datetime64[s]")

    dom = kind == "dom"
    if dom.any():
        d = r.loc[dom, "d1"]
        back = d > pub[dom].dt.day.astype("Float64")
        month_start = pub[dom].dt.to_period("M")
        month_start = month_start.where(~back, month_start - 1).dt.start_time.astype("datetime64[s]")
        day_ = _ymd(month_start.dt.year.astype("Float64"), month_start.dt.month.astype("Float64"), d)
        bad_dom = day_.isna()
        error[dom[dom].index[bad_dom]] = "no such day in the month before publication"
        start[dom] = day_
        end[dom] = day_

    war = kind == "war_to"
    if war.any():
        w = r[war]
        year = w["year"].fillna(pub[war].dt.year.astype("Float64"))
        e = _ymd(year, w["month"], w["d1"])
        start[war] = WAR_START
        end[war] = e.where(e.notna(), pub[war])

    ab = kind.isin(["absolute", "night", "span", "since"])
    if ab.any():
        a = r[ab]
        year = a["year"].fillna(pub[ab].dt.year.astype("Float64"))
        first = _ymd(year, a["month"], pd.Series(1.0, index=a.index))
        # a date written without a year is the latest such date not after publication
        no_year = a["year"].isna() & (first > pub[ab].dt.to_period("M").dt.start_time)
        year = year.where(~no_year, year - 1)
        first = _ymd(year, a["month"], pd.Series(1.0, index=a.index))
        dim = first.dt.days_in_month.astype("Float64")
        d2 = a["d2"].mask((a["d2"] == 99).fillna(False), dim)
        s = _ymd(year, a["month"], a["d1"])
        end_month = a["month"].where(a["kind"] != "span", a["off1"])
        e = _ymd(year, end_month, d2.fillna(a["d1"]))
        bad_day = s.isna() | e.isna()
        error[a.index[bad_day]] = "no such day: " + phrases[a.index[bad_day]].astype("str")
        s[a["kind"] == "night"] = s[a["kind"] == "night"] - day
        since_ = a["kind"] == "since"  # 'since 7 September': from that day to the report
        e[since_] = pub[ab][since_]
        start[ab], end[ab] = s, e

    ok = error.isna() | (error == "None")
    error = error.where(~ok, None)
    bad_order = ok & (end < start)
    error[bad_order] = "the range ends before it starts: expected an end on or after the start"
    ok = error.isna()
    future = ok & (start > pub)
    error[future] = "the event date is after its report's publication date: expected a date on or before it"
    prewar = ok & ~future & (end < WAR_START)
    error[prewar] = "the event date is before the full-scale invasion: expected 2022-02-24 or later"
    # a range cannot run past its own report ('September' reported on the 19th means 1-19)
    end = end.where(~(ok & ~future & (end > pub)), pub)
    out = pd.DataFrame({"date_start": start, "date_end": end}, index=phrases.index)
    out["date_prec"] = precision(start, end)
    out["date_rule"] = r["rule"].astype("str")
    out["date_error"] = error.astype("str")
    return out
