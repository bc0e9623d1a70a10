"""Turn counts as worded in reports ('two', 'about 60', 'more than 440', 'dozens', 'не менше 5')
into low / best / high, by the rules in docs/codebook.md.

best is conservative: the smallest figure the wording asserts, except for 'about N' where it is N.
high may be open (missing) when the wording sets no upper bound. Each distinct wording is parsed
once and mapped back onto the rows.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from analysis.clean import arrow_lookup

_UNITS = {
    "zero": 0, "no": 0, "none": 0, "nobody": 0, "no one": 0, "noone": 0,
    "one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "a hundred": 100, "one hundred": 100, "dozen": 12, "a dozen": 12,
    "один": 1, "одна": 1, "одне": 1, "одного": 1, "одну": 1, "два": 2, "дві": 2, "две": 2, "двоє": 2,
    "двое": 2, "три": 3, "троє": 3, "трое": 3, "чотири": 4, "четыре": 4, "четверо": 4, "пять": 5,
    "пятеро": 5, "шість": 6, "шесть": 6, "сім": 7, "семь": 7, "вісім": 8, "восемь": 8,
    "девять": 9, "дев'ять": 9, "десять": 10, "нуль": 0, "жодного": 0, "ніхто": 0, "никто": 0,
}
_MORE_WORDS = {
    # Ukrainian and Russian declined and collective forms
    "однієї": 1, "одному": 1, "одном": 1, "одной": 1, "одна людина": 1, "двох": 2, "двух": 2, "трьох": 3,
    "трех": 3, "трёх": 3, "чотирьох": 4, "четырех": 4, "четырёх": 4, "пятьох": 5, "пяти": 5, "шістьох": 6,
    "шести": 6, "шестеро": 6, "семи": 7, "семеро": 7, "сімох": 7, "восьми": 8, "восьмеро": 8, "девяти": 9,
    "девятеро": 9, "десяти": 10, "десятеро": 10, "десятьох": 10,
    "девятьох": 9, "восьмох": 8, "пятеро": 5, "двадцять": 20, "двадцать": 20,
    "тридцять": 30, "тридцать": 30, "сорок": 40, "пятдесят": 50, "пятьдесят": 50, "сто": 100,
    # German, French, Romanian, Polish, South Slavic
    "ein": 1, "eine": 1, "einer": 1, "einem": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "zwölf": 12, "zwanzig": 20,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "o": 1, "doi": 2, "două": 2, "trei": 3, "patru": 4, "cinci": 5, "șase": 6,
    "jedna": 1, "jeden": 1, "jedno": 1, "dwie": 2, "dwa": 2, "dwóch": 2, "trzy": 3, "cztery": 4, "pięć": 5,
    "ena": 1, "dve": 2, "deset": 10, "enajst": 11, "dvanajst": 12, "jedan": 1, "dva": 2, "tri": 3,
    "četiri": 4, "pet": 5, "šest": 6,
}
_UNITS.update(_MORE_WORDS)
_ARTICLES = {"a", "an", "o", "un", "une", "ein", "eine", "no", "some"}
#: one person named by a noun ('a woman', 'постраждалий'): a count of one
_ONE_PERSON = re.compile(
    r"^(?:a|an|one|one more|another)?\s*(?:elderly |young |local |wounded |injured )?(?:woman|man|civilian|child|girl|"
    r"boy|person|resident|teenager|pensioner|soldier|driver|rescuer)$|^(?:постраждалий|постраждала|людина|"
    r"жінка|чоловік|дитина|мешканець|мешканка|пенсіонер|пенсіонерка|пострадавший|пострадавшая|женщина|"
    r"мужчина|ребенок|un om|o persoană|jedna osoba|osoba)$")
#: vague quantities -> (low, best, high); high None = open
VAGUE = {
    "a few": (2, 2, 9), "few": (2, 2, 9), "a couple": (2, 2, 2), "couple": (2, 2, 2),
    "several": (3, 3, 9), "some": (2, 2, None), "many": (10, 10, None), "numerous": (10, 10, None),
    "dozens": (24, 24, 99), "tens": (20, 20, 99), "scores": (40, 40, 99), "hundreds": (200, 200, 999),
    "thousands": (2000, 2000, 9999),
    "кілька": (2, 2, 9), "декілька": (2, 2, 9), "несколько": (2, 2, 9), "багато": (10, 10, None),
    "много": (10, 10, None), "десятки": (20, 20, 99), "десятки людей": (20, 20, 99),
    "сотні": (200, 200, 999), "сотни": (200, 200, 999), "тисячі": (2000, 2000, 9999),
    "тысячи": (2000, 2000, 9999),
}
_NONE = {"no casualties", "no victims", "no injuries", "no deaths", "no one", "nobody", "none", "no",
         "без жертв", "без постраждалих", "жертв немає", "постраждалих немає", "немає", "нет",
         "обошлось без жертв", "пострадавших нет", "обійшлося без жертв"}
_APPROX = r"(?:about|around|approximately|approx\.?|roughly|some|nearly|almost|close to|an estimated|" \
          r"estimated|близько|приблизно|майже|около|примерно|почти|порядка|~|c\.|ca\.)"
_MORE = r"(?:more than|over|upwards of|in excess of|більше ніж|більш ніж|більше|понад|більше за|" \
        r"более чем|более|больше|свыше|>)"
_ATLEAST = r"(?:au moins|cel puțin|cel putin|mindestens|wenigstens|co najmniej|at least|no fewer than|" \
           r"no less than|not less than|minimum of|a minimum of|щонайменше|" \
           r"не менше ніж|не менше|принаймні|як мінімум|не менее|как минимум|минимум|по меньшей мере|>=|≥)"
_UPTO = r"(?:up to|as many as|no more than|not more than|до|не більше|не більше ніж|не более|не більш ніж|<=|≤)"
_LESS = r"(?:fewer than|less than|under|менше ніж|менше|менее|меньше|<)"
_NUM = r"(?P<n>\d[\d\s,.]*|[a-zа-яіїєґ' ]+?)"


def _number(text: str) -> int | None:
    t = re.sub(r"^по\s+", "", text.strip())
    if re.fullmatch(r"\d{1,3}(?:[,\s.]\d{3})+|\d+", t):
        return int(re.sub(r"\D", "", t))
    t = t.replace("’", "'").replace("-", " ")
    if t in _UNITS:
        return _UNITS[t]
    parts = t.split()
    if len(parts) == 2 and parts[0] in _UNITS and parts[1] in _UNITS and _UNITS[parts[0]] >= 20:
        return _UNITS[parts[0]] + _UNITS[parts[1]]
    return None


def parse_count(text: str | None) -> tuple[int | None, int | None, int | None] | str | None:
    """(low, best, high) for one wording; None when empty; a reason string when unparseable."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    s = re.sub(r"\s+", " ", re.sub(r"[’'ʼ`]", "", str(text).lower())).strip(" .;:")
    s = re.sub(r"\s+(people|persons|civilians|bodies|dead|killed|injured|wounded|settlements|"
               r"людей|осіб|особи|людини|человек|тел|тіл|загиблих|поранених|населених пунктів)$", "", s)
    if not s:
        return None
    if s in _NONE:
        return (0, 0, 0)
    if s in VAGUE:
        return VAGUE[s]
    s = re.sub(r"^(по крайней мере|хотя бы|по(?! меньшей))\s+", "", s.replace(",", " ").replace("  ", " ")).strip()
    s = re.sub(r"\s+", " ", s)
    if _ONE_PERSON.match(s):
        return (1, 1, 1)
    parts = re.split(r"\s+(?:та|і|й|и|and|und|et|și|i)\s+", s)
    if len(parts) > 1:
        sub = [parse_count(p) for p in parts]
        if all(isinstance(x, tuple) and x[0] == x[1] == x[2] for x in sub):
            total = sum(x[0] for x in sub)
            return (total, total, total)
    if s.startswith("-") and _number(s[1:]) is not None:
        return f"a negative count {text!r}"
    m = re.fullmatch(r"(?:from |від |от )?(\d+)\s*(?:-|–|—|to|до|or|або|или)\s*(\d+)", s)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            return f"a range whose low is above its high {text!r}"
        return (lo, lo, hi)
    for pattern, rule in ((_ATLEAST, "atleast"), (_MORE, "more"), (_UPTO, "upto"), (_LESS, "less"),
                          (_APPROX, "approx")):
        m = re.fullmatch(pattern + r"\s+" + _NUM, s)
        if m:
            n = _number(m.group("n"))
            if n is None:
                v = VAGUE.get(m.group("n").strip())
                if v and rule in ("atleast", "more"):
                    return (v[0], v[1], None)
                break
            if rule == "atleast":
                return (n, n, None)
            if rule == "more":
                return (n + 1, n + 1, None)
            if rule == "upto":
                return (min(1, n), min(1, n), n)
            if rule == "less":
                if n == 0:
                    return f"a negative count {text!r} (nothing is fewer than 0)"
                return (min(1, n - 1), min(1, n - 1), max(n - 1, 0))
            return (math.floor(n * 0.9), n, math.ceil(n * 1.1))
    n = _number(s)
    if n is None and " " in s:
        head, _, tail = s.partition(" ")
        quantifier = re.search(r"\b(?:great|many|lot|lots|few|dozen|dozens|hundred|hundreds|more|less)\b", tail)
        if head not in _ARTICLES and not quantifier and re.fullmatch(r"[^\d\W]+(?:\s[^\d\W]+)?", tail):
            n = _number(head)
    if n is not None:
        return (n, n, n)
    return f"an unrecognised count {text!r} (see the count forms in docs/codebook.md)"


def _parsed(words: pd.Series) -> pd.DataFrame:
    """low, best, high and error of each wording (one row each, in order; a missing cell as empty)."""
    parsed = [parse_count(None if pd.isna(w) else w) for w in words.tolist()]
    return pd.DataFrame.from_records(
        [(*(v if isinstance(v, tuple) else (None, None, None)), v if isinstance(v, str) else None) for v in parsed],
        columns=["low", "best", "high", "error"], index=words.index)


def resolve(words: pd.Series, prefix: str) -> pd.DataFrame:
    """Columns <prefix>_low/_best/_high (Int64) and <prefix>_error for a column of worded counts."""
    # each distinct wording parsed and typed once, then taken to the rows (typing the rows' Python objects cost
    # more than the parsing)
    return arrow_lookup.per_distinct(words, lambda u: _typed(_parsed(u), prefix))


def _typed(rows: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """_parsed's columns as the processed tables hold them: Int64 figures and a text error."""
    out = pd.DataFrame(index=rows.index)
    for part in ("low", "best", "high"):
        out[f"{prefix}_{part}"] = pd.to_numeric(rows[part], errors="coerce").astype("Int64")
    out[f"{prefix}_error"] = rows["error"].astype("str")
    return out
