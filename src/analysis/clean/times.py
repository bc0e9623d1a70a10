"""The time of day a report gives, as an hour (0-23) and a part of the day, from the phrase as worded.

Linking keeps reports hours apart as different attacks (21:30 and 04:30), so a misread time splits one attack
or joins two: "around 6:30 p.m." is 18, not 6; "близько 17-ї години" is 17; "около 1 часа ночи" is 1. Only
the first time of a phrase counts ("20:47 та 20:48", "8.19 a.m.; 9.39 a.m."). Phrases are English, Ukrainian,
Russian, German, French and Romanian, as the coded reports word them.
"""

from __future__ import annotations

import bisect
import re

import numpy as np
import pandas as pd

PARTS = ("night", "morning", "afternoon", "evening")

_WORD_HOURS = {  # Ukrainian and Russian ordinal hours: "о другій годині ночі", "в восьмом часу"
    "першої": 1, "першій": 1, "другої": 2, "другій": 2, "третьої": 3, "третій": 3, "четвертої": 4,
    "четвертій": 4, "пятої": 5, "пятій": 5, "шостої": 6, "шостій": 6, "сьомої": 7, "сьомій": 7,
    "восьмої": 8, "восьмій": 8, "девятої": 9, "девятій": 9, "десятої": 10, "десятій": 10,
    "одинадцятої": 11, "одинадцятій": 11, "дванадцятої": 12, "дванадцятій": 12,
    "первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "пятого": 5, "шестого": 6, "седьмого": 7,
    "восьмого": 8, "девятого": 9, "десятого": 10, "одиннадцатого": 11, "двенадцатого": 12,
}
_NUM = r"(?P<h>\d{1,2})(?:\s*-?\s*(?:ї|й|ой|ий|го))?"
_CLOCK = re.compile(r"(?<![\d.:])(?P<h>\d{1,2})\s*[:.h]\s*(?P<m>\d{2})(?![\d]|\.\d)")  # not 22.09.2022
_HOUR_WORD = re.compile(
    _NUM + r"\s*(?:a\.?\s?m\.?|p\.?\s?m\.?|o\s?clock|uhr|год\w*|час\w*|ранку|ночі|вечора|дня|утра|ночи|вечера)(?![\w])"
    r"(?!\s*(?:тому|назад|ago))")  # "3 дня назад", "2 години тому": a while ago, not a clock hour
_ORDINAL = re.compile(r"(?P<w>" + "|".join(_WORD_HOURS) + r")\s+(?:годин\w*|час\w*|ранку|ночі|вечора|утра|ночи)")
_PM = re.compile(r"p\.?\s?m\b|вечора|вечера|дня\b")
_AM = re.compile(r"a\.?\s?m\b|ранку|утра|ночі|ночи")
_MIDNIGHT = re.compile(r"midnight|опівночі|полуночи|полночь")
_WORDS = (  # (pattern, part of the day); the first that matches wins
    (r"early hours|overnight|night|ніч|ночі|ночью|ночь|вночі|уночі|nachts|noaptea|опівночі|полуночи", "night"),
    (r"evening|ввечері|увечері|вечір|вечором|вечером|вечер|надвечір|abends?\b|seara|soir", "evening"),
    (r"afternoon|daytime|during the day|^day$|вдень|удень|днем|днём|після обіду|nachmittag|după-amiaza|après-midi",
     "afternoon"),
    (r"morning|вранці|уранці|зранку|ранок|ранку|ранков|утром|утро|утра|morgen|früh|matin|dimineața", "morning"),
)


def _hour(text: str) -> int | None:
    """The first clock hour the phrase gives, on a 24-hour clock, or None."""
    found = [(m.start(), int(m.group("h")), m) for m in (_CLOCK.search(text), _HOUR_WORD.search(text)) if m]
    o = _ORDINAL.search(text)
    if o:
        found.append((o.start(), _WORD_HOURS[o.group("w")], o))
    if not found:
        return 0 if _MIDNIGHT.search(text) else None
    _, h, m = min(found, key=lambda x: x[0])
    tail = text[m.start():m.end() + 12]
    if h < 12 and _PM.search(tail):
        h += 12
    elif h == 12 and _AM.search(tail):
        h = 0
    return h if 0 <= h <= 23 else None


_PART_STARTS = (6, 12, 18)  # the hours at which morning, afternoon and evening begin


def part_of_hour(hour):
    """The part of the day (PARTS index) of a clock hour, or of an array of them: night 0-5, morning 6-11,
    afternoon 12-17, evening 18-23 (a missing hour falls last; callers use the hour only where it is known).
    A single hour takes bisect, not numpy: linking asks once per incident a report joins."""
    if isinstance(hour, (int, float)):  # numpy's float64 too
        return bisect.bisect_right(_PART_STARTS, hour)
    return np.searchsorted(_PART_STARTS, hour, side="right")


def _part(text: str, hour: int | None) -> str | None:
    if hour is not None:
        return PARTS[part_of_hour(hour)]
    for pattern, part in _WORDS:
        if re.search(pattern, text):
            return part
    return None


def parse(phrase: str | None) -> tuple[int | None, str | None]:
    """(hour, part of the day) of one phrase; (None, None) where it gives neither."""
    if phrase is None or (isinstance(phrase, float) and np.isnan(phrase)):
        return None, None
    text = re.sub(r"[’'ʼ`]", "", str(phrase).lower()).strip()
    hour = _hour(text)
    return hour, _part(text, hour)


def frame(s: pd.Series) -> pd.DataFrame:
    """hour (Int64) and time_of_day (str) for every cell of `s` (one distinct cell at a time: see
    arrow_lookup.per_distinct)."""
    got = [parse(x) for x in s.tolist()]
    return pd.DataFrame({"hour": pd.array([h for h, _ in got], dtype="Int64"),
                         "time_of_day": pd.array([p for _, p in got], dtype="str")}, index=s.index)
