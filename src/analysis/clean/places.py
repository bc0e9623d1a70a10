"""Match places as spelled in reports to the gazetteer.

Names are folded (case, apostrophes, hyphens, 'village of', 'с.', 'смт') and looked up among every
spelling the gazetteer knows; failing that, among transliteration skeletons, so Kupiansk, Kupyansk,
Kup'yansk, Куп'янськ and Купянск meet. The reported oblast and raion narrow the candidates. A name
that matches nothing, or several places that cannot be told apart, is an error, never a guess.
Work is done once per distinct (place, raion, oblast) and joined back to the rows.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

_PREFIXES = re.compile(
    r"^(?:(?:the\s+)?(?:village|town|city|settlement|urban[- ]type settlement|hamlet)\s+of\s+|"
    r"(?:village|town|city|smt|urban-type settlement)\s+|"
    r"(?:с\.|смт\.?|м\.|сел\.|пос\.|п\.|г\.|село|селище|місто|город|поселок|посёлок|пгт\.?)\s*)"
)
_SUFFIXES = re.compile(r"\s+(?:village|town|city|settlement|community|hromada|громада|тг|tg|th)$")
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ё": "e", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
})
_ADMIN_WORDS = re.compile(
    r"\b(?:oblast|region|province|raion|rayon|district|область|обл\.?|регіон|район|р-н|district's|"
    r"territorial community|community|hromada|громада)\b")


_QUOTES = re.compile(r"[’‘'ʼ`´”“\"ʹ]")
_DASHES = re.compile(r"[\-‐–—_]")
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"(.)\1+")
_SKELETON_PAIRS = (("shch", "s"), ("kh", "h"), ("zh", "z"), ("ch", "c"), ("sh", "s"), ("ts", "c"), ("g", "h"),
                   ("y", "i"), ("j", "i"), ("e", "i"), ("w", "v"), (" ", ""))


@functools.lru_cache(maxsize=1 << 17)  # the same spellings recur across tables and gazetteer columns
def fold(name: str | None) -> str | None:
    """Comparable form of a place name: case, accents, apostrophes, hyphens and prefixes folded."""
    if name is None or (isinstance(name, float)) or not str(name).strip():
        return None
    s = unicodedata.normalize("NFKC", str(name)).casefold()
    s = _QUOTES.sub("", s)
    s = s.replace("ё", "е")
    s = _DASHES.sub(" ", s)
    s = _SPACES.sub(" ", s).strip(" .,;:()")
    for _ in range(2):
        s = _PREFIXES.sub("", s).strip()
        s = _SUFFIXES.sub("", s).strip()
    return s or None


def fold_names(names: pd.Series) -> pd.Series:
    """skeleton() of every cell (missing stays missing), worked out once per distinct name: the key that makes
    Sinegubov, Syniehubov and Синєгубов one claimant or speaker."""
    uniq = pd.Series(pd.unique(names.dropna()))
    return names.map(dict(zip(uniq, uniq.map(skeleton), strict=True)))


def claimant_keys(names: pd.Series) -> pd.Series:
    """Per cell, the key that makes one claimant of its spellings and of its order, worked out once per
    distinct cell: each `;`-separated name as its skeleton without the case ending (Synehubiv = Synehubov =
    Синєгубов), the names sorted ("Terekhov; Syniehubov" = "Syniehubov; Terekhov"). Missing stays missing."""
    uniq = pd.Series(pd.unique(names.dropna()))
    return names.map(dict(zip(uniq, uniq.map(_claimant_key), strict=True)))


def _claimant_key(cell: str) -> str | None:
    names = {stem_of_skeleton(k) or k for k in map(skeleton, str(cell).split(";")) if k}
    return ";".join(sorted(names)) or None


@functools.lru_cache(maxsize=1 << 17)
def skeleton(name: str | None) -> str | None:
    """A looser key that erases the usual transliteration differences (y/i/j, kh/h, g/h, doubled letters)."""
    s = fold(name)
    if s is None:
        return None
    s = s.translate(_TRANSLIT)
    if not s.isascii():  # ASCII text has no accents to strip (NFKD leaves it as it is)
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
    for a, b in _SKELETON_PAIRS:
        s = s.replace(a, b)
    return _REPEATS.sub(r"\1", s)


_VOWEL_END = re.compile(r"[aiou]$")
_OV_END = re.compile(r"ov$")


def stem(name: str | None) -> str | None:
    """Skeleton without its case ending, so declined forms meet their base: Харкові/Харкова -> Харків,
    Ізюма -> Ізюм, Куп'янську -> Куп'янськ, Чугуєві -> Чугуїв. Too short a stem is no key at all."""
    return stem_of_skeleton(skeleton(name))


def stem_of_skeleton(s: str | None) -> str | None:
    """stem() for a skeleton already computed (the gazetteer has tens of thousands of names)."""
    if s is None:
        return None
    for _ in range(2):
        s = _VOWEL_END.sub("", s)
    s = _OV_END.sub("iv", s)
    return s if len(s) >= 4 else None


_ADMIN_WORDS_ALL = ("oblast oblasti oblasty obl region regions regionen raion raioni raionu raiona rayon rajon "
                    "district districts province gebiet obwodu okrug area direction область області областi области "
                    "обл район районі району района р-н регіон регион направление напрямок напрямку")
_ADMIN_SKEL: re.Pattern[str] | None = None


def _admin_skel() -> re.Pattern[str]:
    """Admin words in skeleton form ('region' -> 'rihion'), longest first."""
    global _ADMIN_SKEL
    if _ADMIN_SKEL is None:
        words = sorted({skeleton(w) for w in _ADMIN_WORDS_ALL.split()} - {None, ""}, key=len, reverse=True)
        _ADMIN_SKEL = re.compile("|".join(map(re.escape, words)))
    return _ADMIN_SKEL


_ADJ_END = re.compile(r"(s?k|c)(ii|i|a|oi|oho|omu|ou|aia|ia|ii|iai|oiu|ou|omu)?$|s(c)?in[aiu]?$")


def admin_key(name: str | None) -> str | None:
    """Fold an oblast/raion name to one key across languages and grammatical forms:
    'Kharkiv region', 'Харківська область', 'Харківської області', 'Харківщині', 'Gebiet Charkiw' -> 'harkiv'.
    'Kyiv City' / 'місто Київ' keep a 'city' mark so the capital stays apart from Kyiv oblast."""
    if name is None or isinstance(name, float) or not str(name).strip():
        return None
    raw = unicodedata.normalize("NFKC", str(name)).casefold()
    city = bool(re.search(r"\b(?:city|місто|город|misto)\b", raw))
    raw = re.sub(r"\b(?:city|місто|город|misto|the)\b", " ", raw)
    s = skeleton(raw)
    if not s:
        return None
    s = _admin_skel().sub("", s)
    s = _ADJ_END.sub("", s)
    s = re.sub(r"[aiou]$", "", s)
    s = re.sub(r"ov$", "iv", s)
    return (s + "|city") if city else (s or None)


_NEAR = re.compile(r"^(?:near|nearby|outside|the outskirts of|outskirts of|close to|a forest near|біля|поблизу|"
                   r"поряд з|неподалік|неподалік від|околиці|на околиці|около|возле|вблизи|под|под городом|"
                   r"окрестности|на окраине)\s+", re.IGNORECASE)


def _ids_by_key(spellings: list[str], ids: list[str], key_of: dict[str, str | None]) -> dict[str, list[str]]:
    """{key: sorted distinct ids} over the rows (spelling, id) whose spelling has a key (key_of[spelling] not
    None): groupby(key).agg(sorted(set)) without a Python call per group or a column of keys per row."""
    sets: dict[str, set[str]] = {}
    for n, i in zip(spellings, ids, strict=True):
        k = key_of[n]
        if k is not None:
            sets.setdefault(k, set()).add(i)
    return {k: sorted(v) for k, v in sets.items()}


class Gazetteer:
    """Lookup tables built once from the processed gazetteer frame."""

    def __init__(self, gaz: pd.DataFrame):
        self.gaz = gaz.set_index("place_id", drop=False)
        # match_one reads these per candidate: a dict lookup, not a pandas scalar access (gaz.at) per candidate
        self._oblast, self._type, self._raion, self._name = (
            dict(zip(gaz["place_id"].tolist(), gaz[c].tolist(), strict=True))
            for c in ("oblast", "place_type", "raion", "name"))
        names = []
        for col in ("name", "name_uk", "name_ru"):
            names.append(gaz[["place_id", col]].rename(columns={col: "n"}))
        var = gaz[["place_id", "variants"]].dropna()
        var = var.assign(n=var["variants"].str.split(";")).explode("n")[["place_id", "n"]]
        names.append(var)
        allnames = pd.concat(names, ignore_index=True).dropna()
        allnames["n"] = allnames["n"].astype("str").str.strip()
        allnames = allnames[allnames["n"] != ""]
        # each distinct spelling folded once; the rows (spelling, place) read once as Python lists, with no
        # column of keys mapped per row
        uniq = pd.unique(allnames["n"]).tolist()
        skels = {u: skeleton(u) for u in uniq}
        spellings, ids = allnames["n"].tolist(), allnames["place_id"].tolist()
        self.by_fold = _ids_by_key(spellings, ids, {u: fold(u) for u in uniq})
        self.by_skel = _ids_by_key(spellings, ids, skels)
        self.by_stem = _ids_by_key(spellings, ids, {u: stem_of_skeleton(k) for u, k in skels.items()})
        admin = gaz[gaz["place_type"].isin(["raion", "oblast", "country"])]
        self.oblast_of_key: dict[str, str] = {}
        self.raion_place: dict[tuple[str, str], str] = {}
        self.oblast_place: dict[str, str] = {}
        for row in admin.itertuples(index=False):
            spellings = [row.name, row.name_uk, row.name_ru] + (
                str(row.variants).split(";") if isinstance(row.variants, str) else [])
            for sp in spellings:
                k = admin_key(sp) if isinstance(sp, str) else None
                if not k:
                    continue
                if row.place_type in ("oblast", "country"):
                    self.oblast_of_key[k] = row.oblast
                    self.oblast_place[row.oblast] = row.place_id
                else:
                    self.raion_place[(k, row.oblast)] = row.place_id
                    self.raion_place.setdefault((k, ""), row.place_id)

    def oblast(self, reported: str | None) -> str | None:
        k = admin_key(reported)
        return self.oblast_of_key.get(k) if k else None

    def match_one(self, place: str | None, raion: str | None, oblast: str | None) -> tuple[str | None, str]:
        """(place_id, how) or (None, reason)."""
        obl = self.oblast(oblast) if oblast else None
        if oblast and obl is None:
            return None, f"unknown oblast {oblast!r}"
        near = _NEAR.match(place.strip()) if place else None
        if near:
            pid, how = self.match_one(place.strip()[near.end():], raion, oblast)
            return (pid, "near") if pid else (None, how)
        if place:
            for how, table, key in (("exact", self.by_fold, fold(place)), ("skeleton", self.by_skel, skeleton(place)),
                                    ("stem", self.by_stem, stem(place))):
                cands = table.get(key, []) if key else []
                if obl:
                    cands = [c for c in cands if self._oblast[c] == obl]
                settle = [c for c in cands if self._type[c] not in ("raion", "oblast", "country")]
                cands = settle or cands
                if len(cands) > 1 and raion:
                    rk = admin_key(raion)
                    narrowed = [c for c in cands if admin_key(self._raion[c]) == rk]
                    cands = narrowed or cands
                if len(cands) > 1 and len({self._oblast[c] for c in cands}) == 1:
                    # within one oblast, a city's own name means the city, not a village sharing it
                    cities = [c for c in cands if self._type[c] == "city"]
                    if len(cities) == 1:
                        return cities[0], how + "+city"
                if len(cands) == 1:
                    return cands[0], how
                if len(cands) > 1:
                    names = ", ".join(f"{c} ({self._name[c]}, {self._oblast[c]})"
                                      for c in cands[:5])
                    hint = "give the raion" if obl else "give the oblast or raion"
                    return None, f"place {place!r} matches several gazetteer entries: {names}; {hint}"
            where = f" in {obl} oblast" if obl else ""
            return None, f"place {place!r} is not in the gazetteer{where}"
        if raion:
            pid = self.raion_place.get((admin_key(raion), obl or ""))
            if pid:
                return pid, "raion"
            return None, f"raion {raion!r} is not in the gazetteer"
        if obl:
            return self.oblast_place[obl], "oblast"
        return None, "no place, raion or oblast given"


def resolve(frame: pd.DataFrame, gaz: Gazetteer) -> pd.DataFrame:
    """Place columns for every row (place_id, place_name, raion, oblast, latitude, longitude, geo_prec,
    place_match) and place_error where no single place fits."""
    out, inv = resolve_distinct(frame, gaz)
    out = out.iloc[inv]  # back to one row per input row
    out.index = frame.index
    return out


def resolve_distinct(frame: pd.DataFrame, gaz: Gazetteer) -> tuple[pd.DataFrame, np.ndarray]:
    """resolve()'s columns once per distinct (place, raion, oblast) of frame (on a RangeIndex), and each row's
    position among them: a caller that places the rows among others takes them once, not twice."""
    cols = ["place_reported", "raion_reported", "oblast_reported"]
    # one integer per distinct (place, raion, oblast): each column's factor code (0 = empty) combined
    codes, values = [], []
    for c in cols:
        k, u = frame[c].factorize()
        codes.append(k.astype("int64") + 1)
        values.append([None, *u.tolist()])
    n1, n2 = len(values[1]), len(values[2])
    combo = (codes[0] * n1 + codes[1]) * n2 + codes[2]
    uc, inv = np.unique(combo, return_inverse=True)
    res = [gaz.match_one(values[0][a], values[1][b], values[2][c])
           for a, b, c in zip((uc // (n1 * n2)).tolist(), (uc // n2 % n1).tolist(), (uc % n2).tolist(), strict=True)]
    g = gaz.gaz
    pid = pd.Series([r[0] for r in res], dtype="object")
    ok = pid.notna()
    out = pd.DataFrame(index=pid.index)
    out["place_id"] = pid.astype("str")
    for src, dst in (("name", "place_name"), ("raion", "raion"), ("oblast", "oblast"),
                     ("latitude", "latitude"), ("longitude", "longitude"), ("geo_prec", "geo_prec")):
        out[dst] = pid.map(g[src]).astype(g[src].dtype) if ok.any() else pd.Series(dtype=g[src].dtype)
    how = pd.Series([r[1] for r in res], dtype="object").astype("str")
    out["geo_prec"] = out["geo_prec"].mask((how == "near") & (out["geo_prec"] == 1), 2)
    out["place_match"] = how.where(ok)
    out["place_error"] = how.where(~ok)
    return out, inv.reshape(-1)
