"""places: match places as spelled in reports to the gazetteer, or say why not (never a guess)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.clean import places
from analysis.registry.schema import GAZETTEER

COLS = ["place_id", "geonames_id", "name", "name_uk", "name_ru", "variants", "place_type", "raion", "oblast",
        "latitude", "longitude", "geo_prec", "coord_source", "raw_line"]
ROWS = [
    ("gn:703656", 703656, "Kupiansk", "Куп’янськ", "Купьянск", "Kupyansk;Kup'yansk;Купянск", "town",
     "Kupiansk", "Kharkiv", 49.71003, 37.61581, 1),
    ("gn:703652", 703652, "Kupiansk-Vuzlovyi", "Куп’янськ-Вузловий", None, "Kupyansk-Uzlovoy", "village",
     "Kupiansk", "Kharkiv", 49.67061, 37.64319, 1),
    ("gn:696077", 696077, "Oleksandrivka", "Олександрівка", "Александровка", "Aleksandrovka", "village",
     None, "Kherson", 46.29451, 33.09300, 1),
    ("gn:698627", 698627, "Oleksandrivka", "Олександрівка", "Александровка", "Aleksandrovka", "village",
     None, "Kirovohrad", 48.96800, 32.23968, 1),
    ("oskil:raion-kupiansk", None, "Kupiansk raion", "Куп'янський район", "Купянский район",
     "Kupiansk district;Kupianskyi raion", "raion", "Kupiansk", "Kharkiv", 49.71003, 37.61581, 3),
    ("oskil:oblast-kharkiv", None, "Kharkiv oblast", "Харківська область", "Харьковская область",
     "Kharkivska oblast;Kharkiv region;Харківщина", "oblast", None, "Kharkiv", 49.98177, 36.25475, 4),
    ("oskil:oblast-kherson", None, "Kherson oblast", "Херсонська область", "Херсонская область",
     "Khersonska oblast;Kherson region", "oblast", None, "Kherson", 46.63542, 32.61687, 4),
    ("oskil:oblast-kirovohrad", None, "Kirovohrad oblast", "Кіровоградська область", "Кировоградская область",
     "Kirovohradska oblast;Kirovohrad region", "oblast", None, "Kirovohrad", 48.50793, 32.26317, 4),
]


@pytest.fixture(scope="module")
def gaz_frame() -> pd.DataFrame:
    """Built like the processed gazetteer: the schema's columns and dtypes."""
    df = pd.DataFrame([(*r, "test", i + 2) for i, r in enumerate(ROWS)], columns=COLS)
    assert list(df.columns) == GAZETTEER.processed_columns
    return df.astype({f.name: f.dtype for f in GAZETTEER.processed})


@pytest.fixture(scope="module")
def gaz(gaz_frame) -> places.Gazetteer:
    return places.Gazetteer(gaz_frame)


@pytest.mark.parametrize("spelling", ["Kupiansk", "Kupyansk", "Kup'yansk", "Kup’yansk", "Куп'янськ", "Куп’янськ",
                                      "Купянск", "Купьянск", "KUPIANSK", "  kupiansk ", "м. Куп'янськ",
                                      "the town of Kupiansk", "Kupjansk", "Kupiansk city"])
def test_every_spelling_of_kupiansk_is_one_place(gaz, spelling):
    assert gaz.match_one(spelling, None, None)[0] == "gn:703656"
    # and naming its oblast does not change the answer
    assert gaz.match_one(spelling, None, "Kharkiv region")[0] == "gn:703656"


def test_a_spelling_only_the_skeleton_knows_is_matched_by_skeleton(gaz):
    assert gaz.match_one("Kupjans'k", None, None) == ("gn:703656", "skeleton")


def test_hyphenated_neighbour_is_not_confused(gaz):
    assert gaz.match_one("Kupiansk-Vuzlovyi", None, None)[0] == "gn:703652"
    assert gaz.match_one("Куп'янськ-Вузловий", None, None)[0] == "gn:703652"


@pytest.mark.parametrize("oblast, want", [("Kherson region", "gn:696077"), ("Херсонська область", "gn:696077"),
                                          ("Kirovohradska oblast", "gn:698627"), ("Kirovohrad", "gn:698627")])
def test_oblast_narrows_an_ambiguous_name(gaz, oblast, want):
    assert gaz.match_one("Oleksandrivka", None, oblast) == (want, "exact")
    assert gaz.match_one("Александровка", None, oblast)[0] == want


def test_ambiguous_name_without_oblast_is_an_error_naming_the_candidates(gaz):
    pid, reason = gaz.match_one("Oleksandrivka", None, None)
    assert pid is None
    assert "several" in reason
    assert "gn:696077 (Oleksandrivka, Kherson)" in reason
    assert "gn:698627 (Oleksandrivka, Kirovohrad)" in reason
    assert "oblast" in reason  # says what would settle it


@pytest.mark.parametrize("place, oblast", [("Atlantis", None), ("Atlantis", "Kharkiv region"),
                                           ("Kupiansk", "Kherson region"), ("Oleksandrivka", "Kharkiv region"),
                                           ("Kupi", None), ("Kupianka", None)])
def test_unknown_place_is_an_error_never_a_guess(gaz, place, oblast):
    pid, reason = gaz.match_one(place, None, oblast)
    assert pid is None
    assert f"place {place!r} is not in the gazetteer" in reason


def test_unknown_oblast_is_an_error(gaz):
    assert gaz.match_one("Kupiansk", None, "Narnia oblast") == (None, "unknown oblast 'Narnia oblast'")
    assert gaz.match_one(None, None, "Narnia") == (None, "unknown oblast 'Narnia'")


@pytest.mark.parametrize("raion, oblast", [("Kupiansk district", None), ("Kupianskyi raion", "Kharkiv region"),
                                           ("Куп'янський район", None), ("Купянский район", "Харківщина")])
def test_raion_only_rows_match_the_raion(gaz, raion, oblast):
    assert gaz.match_one(None, raion, oblast) == ("oskil:raion-kupiansk", "raion")


@pytest.mark.parametrize("oblast, want", [("Kharkiv region", "oskil:oblast-kharkiv"),
                                          ("Харківщина", "oskil:oblast-kharkiv"),
                                          ("Харьковская область", "oskil:oblast-kharkiv"),
                                          ("KHARKIV OBLAST", "oskil:oblast-kharkiv"),
                                          ("Khersonska oblast", "oskil:oblast-kherson")])
def test_oblast_only_rows_match_the_oblast(gaz, oblast, want):
    assert gaz.match_one(None, None, oblast) == (want, "oblast")


def test_unknown_raion_and_nothing_given_are_errors(gaz):
    assert gaz.match_one(None, "Narnia district", None) == (None, "raion 'Narnia district' is not in the gazetteer")
    assert gaz.match_one(None, None, None) == (None, "no place, raion or oblast given")


def test_resolve_whole_frame(gaz):
    rows = pd.DataFrame(
        {"place_reported": ["Kup'yansk", "Oleksandrivka", None, None, "Atlantis", "Купянск", "Oleksandrivka"],
         "raion_reported": [None, None, "Kupiansk district", None, None, None, None],
         "oblast_reported": [None, None, "Kharkiv region", "Харківщина", None, None, "Kherson region"]},
        index=[5, 6, 7, 8, 9, 10, 11], dtype="str")
    got = places.resolve(rows, gaz)
    amb = ("place 'Oleksandrivka' matches several gazetteer entries: gn:696077 (Oleksandrivka, Kherson), "
           "gn:698627 (Oleksandrivka, Kirovohrad); give the oblast or raion")
    want = pd.DataFrame(
        {
            "place_id": ["gn:703656", None, "oskil:raion-kupiansk", "oskil:oblast-kharkiv", None, "gn:703656",
                         "gn:696077"],
            "place_name": ["Kupiansk", None, "Kupiansk raion", "Kharkiv oblast", None, "Kupiansk", "Oleksandrivka"],
            "raion": ["Kupiansk", None, "Kupiansk", None, None, "Kupiansk", None],
            "oblast": ["Kharkiv", None, "Kharkiv", "Kharkiv", None, "Kharkiv", "Kherson"],
            "latitude": pd.array([49.71003, None, 49.71003, 49.98177, None, 49.71003, 46.29451], dtype="Float64"),
            "longitude": pd.array([37.61581, None, 37.61581, 36.25475, None, 37.61581, 33.09300], dtype="Float64"),
            "geo_prec": pd.array([1, None, 3, 4, None, 1, 1], dtype="Int64"),
            "place_match": ["exact", None, "raion", "oblast", None, "exact", "exact"],
            "place_error": [None, amb, None, None, "place 'Atlantis' is not in the gazetteer", None, None],
        },
        index=[5, 6, 7, 8, 9, 10, 11],
    )
    for c in ("place_id", "place_name", "raion", "oblast", "place_match", "place_error"):
        want[c] = want[c].astype("str")
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("a, b", [("Kupiansk", "Kupyansk"), ("Kharkiv", "Kharkiw"), ("Chuhuiv", "Chuguev"),
                                  ("Izium", "Izyum"), ("Куп'янськ", "Kupiansk")])
def test_skeleton_meets_transliterations(a, b):
    assert places.skeleton(a) == places.skeleton(b)


@pytest.mark.parametrize("a, b", [("Kupiansk", "Kherson"), ("Izium", "Irpin")])
def test_skeleton_keeps_different_places_apart(a, b):
    assert places.skeleton(a) != places.skeleton(b)
