"""The schema registry: every raw and processed column, once, with the rules it must follow.

Each column says its dtype, whether it is required, its vocabulary, its bounds, and its role: part of a
count (the worded figure and its low/best/high triple) or of a place (what the report names and what the
gazetteer match gives). Each table says its key and its foreign keys. Everything else derives from here:
the raw readers (which columns a coder must supply), the clean's steps (which columns are counted, placed,
bounded and referenced), the pandera validation of processed tables, the Dask engine's row steps, the
incidents table's figures, and the field tables printed into docs/codebook.md. docs/developing.md says what
to change for a new column. Changing a processed column changes the fingerprint;
tests/test_schema_contract.py then fails until SCHEMA_VERSION and the codebook follow.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

#: bump it, and add its fingerprint() to docs/schema-versions.json, whenever a processed column changes
SCHEMA_VERSION = "2.1.0"

DATE_PRECISION = {  # the same codes as UCDP GED's date_prec
    1: "exact day",
    2: "a range of 2–6 days",
    3: "a week (a range of exactly 7 days)",
    4: "a range of 8–31 days (about a month)",
    5: "a longer range, up to a year",
}

GEO_PRECISION = {
    1: "the settlement itself (coordinates of the settlement)",
    2: "near a named settlement (within about 25 km)",
    3: "only the raion is known (placed at its administrative centre)",
    4: "only the oblast is known (placed at its administrative centre)",
    5: "a linear feature such as a river",
    6: "only the country is known",
}


#: where a place in Ukraine can lie (WGS84 degrees): the bounds of every latitude and longitude column
LATITUDE = (44.0, 52.5)
LONGITUDE = (22.0, 40.3)
UKRAINE_BOX = (*LATITUDE, *LONGITUDE)  # lat min, lat max, lon min, lon max

#: the parts of a count: the figure as the report words it (a raw column), the same words kept in the
#: processed table, and the range the words allow (low and high; an empty high is open) with a best estimate
COUNT_PARTS = ("worded", "reported", "low", "best", "high")
COUNT_RANGE = (0, None)  # a count is never negative and has no upper bound


@dataclass(frozen=True)
class Field:
    """One column: its name, pandas dtype, meaning, and rules.

    bounds: the smallest and largest value allowed, inclusive (None: open on that side); on a raw text
    column, the number its cell must hold. count: (measure, part) for a column of a count, part one of
    COUNT_PARTS. place: a column of the place a row names (raw) or was matched to (processed)."""

    name: str
    dtype: str
    doc: str
    required: bool = False  # raw: the column must be present; processed: never null
    vocab: str | None = None
    unique: bool = False
    bounds: tuple[float | None, float | None] | None = None
    count: tuple[str, str] | None = None
    place: bool = False


@dataclass(frozen=True)
class ForeignKey:
    """A column whose every value names a row of another table (by that table's key); an empty cell is
    allowed where the column is not required. The clean rejects a raw row whose value names no kept row,
    and refuses to publish processed tables where a value is dangling. (place_id is not one: an import's
    places outside the gazetteer get ids of their own, docs/importers.md.)"""

    column: str
    table: str


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key: str | None
    raw: tuple[Field, ...] = ()
    processed: tuple[Field, ...] = field(default_factory=tuple)
    foreign_keys: tuple[ForeignKey, ...] = ()  # checked in this order: a row's reject names the first failing
    noun: str = ""  # what one row is, for messages ("the id of a source that exists"); default: name minus s

    @property
    def row_noun(self) -> str:
        return self.noun or self.name.removesuffix("s")

    def field(self, name: str, raw: bool = False) -> Field:
        """The processed (or raw) column of that name."""
        return next(f for f in (self.raw if raw else self.processed) if f.name == name)

    @property
    def counted(self) -> dict[str, str]:
        """{raw column: measure} of the worded counts the clean turns into low/best/high, in raw order."""
        return {f.name: f.count[0] for f in self.raw if f.count and f.count[1] == "worded"}

    @property
    def measures(self) -> tuple[str, ...]:
        """The measures with a low/best/high triple among the processed columns, in column order."""
        return tuple(dict.fromkeys(f.count[0] for f in self.processed if f.count and f.count[1] == "low"))

    def count_column(self, measure: str, part: str) -> str:
        """The processed column of one part of one measure ('killed', 'best' -> 'killed_best')."""
        return next(f.name for f in self.processed if f.count == (measure, part))

    @property
    def place_inputs(self) -> list[str]:
        """The raw columns naming a place, which the gazetteer match reads."""
        return [f.name for f in self.raw if f.place]

    @property
    def placed(self) -> bool:
        """True when the clean matches each row's place against the gazetteer."""
        return bool(self.place_inputs)

    @property
    def raw_columns(self) -> list[str]:
        return [f.name for f in self.raw]

    @property
    def required_raw(self) -> list[str]:
        return [f.name for f in self.raw if f.required]

    @property
    def processed_columns(self) -> list[str]:
        return [f.name for f in self.processed]


S, I, F, B, D = "str", "Int64", "Float64", "boolean", "datetime64[s]"  # noqa: E741 - short dtype names


def _f(name: str, dtype: str, doc: str, **kw) -> Field:
    return Field(name, dtype, doc, **kw)


def _place(name: str, dtype: str, doc: str, **kw) -> Field:
    return Field(name, dtype, doc, place=True, **kw)


def _worded(name: str, doc: str, measure: str | None = None) -> Field:
    """A raw count as the report words it, which the clean turns into <measure>_reported/_low/_best/_high."""
    return Field(name, "str", doc, count=(measure or name, "worded"))


def _part(name: str, doc: str, measure: str, part: str, **kw) -> Field:
    """One processed column of a count: the words (str) or a number (Int64, never negative)."""
    if part == "reported":
        return Field(name, "str", doc, count=(measure, part), **kw)
    return Field(name, "Int64", doc, count=(measure, part), bounds=COUNT_RANGE, **kw)


SOURCE_FK = ForeignKey("source_id", "sources")


# --- shared groups of columns -------------------------------------------------------------------
CLAIM_RAW = (
    _f("claim_by", S, "who makes the claim", vocab="claim_by"),
    _f("claimant", S, "the named person or body making the claim"),
    _f("confirmed", S, "whether the report says the claim was independently verified", vocab="confirmed"),
)
DATE_RAW = (_f("date_reported", S, "the date as the report words it ('on Sunday', '22 вересня')"),)
PLACE_RAW = (
    _place("place_reported", S, "settlement as spelled in the report"),
    _place("raion_reported", S, "raion (district) as given in the report"),
    _place("oblast_reported", S, "oblast (region) as given in the report, or evident from the reporting official"),
)
DATE_OUT = (
    _f("date_reported", S, "the date phrase as coded"),
    _f("published", D, "publication date of the source report", required=True),
    _f("date_start", D, "first day the event may have happened", required=True),
    _f("date_end", D, "last day the event may have happened", required=True),
    _f("date_prec", I, "precision of the date range, UCDP date_prec 1–5 (see codebook)", required=True,
       bounds=(min(DATE_PRECISION), max(DATE_PRECISION))),
    _f("date_rule", S, "the rule that resolved the phrase (iso, day_month, weekday, relative, ...)", required=True),
)
GEO_RANGE = (min(GEO_PRECISION), max(GEO_PRECISION))
PLACE_OUT = (
    _place("place_reported", S, "settlement as spelled in the report"),
    _place("raion_reported", S, "raion as given"),
    _place("oblast_reported", S, "oblast as given"),
    _place("place_id", S, "gazetteer id of the matched place", required=True),
    _place("place_name", S, "canonical name of the matched place", required=True),
    _place("raion", S, "raion of the matched place, where known"),
    _place("oblast", S, "oblast of the matched place", required=True),
    _place("latitude", F, "WGS84 latitude of the matched place", required=True, bounds=LATITUDE),
    _place("longitude", F, "WGS84 longitude of the matched place", required=True, bounds=LONGITUDE),
    _place("geo_prec", I, "precision of the location, UCDP where_prec 1–6 (see codebook)", required=True,
           bounds=GEO_RANGE),
    _place("place_match", S, "how the place was matched (exact: a known spelling; skeleton: a transliteration "
           "variant; stem: a declined form; near: 'near X', placed at X with geo_prec 2; raion; oblast)",
           required=True),
)
#: the processed columns the gazetteer match adds to a row (all of PLACE_OUT but the words it read)
PLACE_MATCH = tuple(f.name for f in PLACE_OUT if f.name not in {r.name for r in PLACE_RAW})
CLAIM_OUT = (
    _f("claim_by", S, "who makes the claim", vocab="claim_by", required=True),
    _f("claimant", S, "the named person or body making the claim"),
    _f("confirmed", S, "independently verified per the report", vocab="confirmed", required=True),
)
NOTE = _f("coder_note", S, "coder's note, in the coder's own words")
LINE = _f("raw_line", I, "line of the raw CSV the row came from (1 = header)", required=True)


def _count(prefix: str, what: str) -> tuple[Field, ...]:
    """The processed columns of a worded count: the words, and the low/best/high they allow."""
    return (
        _part(f"{prefix}_reported", f"{what} as worded in the report", prefix, "reported"),
        _part(f"{prefix}_low", f"lowest {what} the wording allows", prefix, "low"),
        _part(f"{prefix}_best", f"conservative best estimate of {what}", prefix, "best"),
        _part(f"{prefix}_high", f"highest {what} the wording allows; empty = open", prefix, "high"),
    )


SOURCES = Table(
    "sources",
    "One row per public report (URL) that any other row cites.",
    key="source_id",
    raw=(
        _f("source_id", S, "src_ + first 10 hex digits of sha1(url)", required=True, unique=True),
        _f("url", S, "address of the report", required=True),
        _f("outlet", S, "publisher", required=True),
        _f("title", S, "headline, as published"),
        _f("published", S, "publication date, YYYY-MM-DD", required=True),
        _f("date_basis", S, "where the publication date comes from", vocab="date_basis", required=True),
        _f("language", S, "ISO 639-1 language of the page", required=True),
        _f("source_type", S, "kind of source", vocab="source_type", required=True),
        _f("retrospective", S, "published after the period it reports on", vocab="yes_no"),
        _f("accessed", S, "date the coder read it, YYYY-MM-DD"),
        _f("notes", S, "coder's notes on the source"),
    ),
    processed=(
        _f("source_id", S, "source id", required=True, unique=True),
        _f("url", S, "address of the report", required=True),
        _f("outlet", S, "publisher", required=True),
        _f("title", S, "headline"),
        _f("published", D, "publication date", required=True),
        _f("date_basis", S, "page or inferred", vocab="date_basis", required=True),
        _f("language", S, "ISO 639-1 language", required=True),
        _f("source_type", S, "kind of source", vocab="source_type", required=True),
        _f("retrospective", B, "published after the period it reports on", required=True),
        _f("accessed", D, "date the coder read it"),
        _f("notes", S, "coder's notes"),
        LINE,
    ),
)

EVENTS = Table(
    "events",
    "Shelling, strikes and other attacks: one row per report of one attack on one place.",
    key="event_id",
    raw=(
        _f("event_id", S, "permanent id (EV-…)", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        *DATE_RAW,
        _f("time_reported", S, "time of day as given ('22:52', 'night')"),
        *PLACE_RAW,
        _f("event_type", S, "kind of attack", vocab="event_type", required=True),
        _f("weapon", S, "weapon class", vocab="weapon"),
        _f("weapon_detail", S, "weapon model as reported (S-300, Grad, Shahed-136)"),
        _f("target_type", S, "what was hit; several separated by ';'", vocab="target_type"),
        _f("damage", S, "damage in the coder's words"),
        _f("actor", S, "who attacked, as reported"),
        *CLAIM_RAW,
        NOTE,
    ),
    processed=(
        _f("event_id", S, "permanent id", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        _f("incident_id", S, "reports of the same attack share it", required=True),
        _f("link_rule", S, "the linking rule (or links.csv row) that placed the report in its incident",
           required=True),
        *DATE_OUT,
        _f("time_reported", S, "time of day as given"),
        _f("hour", I, "hour of day 0–23 where the report gives a clock time", bounds=(0, 23)),
        _f("time_of_day", S, "night/morning/afternoon/evening where the report allows"),
        *PLACE_OUT,
        _f("event_type", S, "kind of attack", vocab="event_type", required=True),
        _f("weapon", S, "weapon class", vocab="weapon", required=True),
        _f("weapon_detail", S, "weapon model as reported"),
        _f("target_type", S, "what was hit (';'-separated)", vocab="target_type", required=True),
        _f("damage", S, "damage in the coder's words"),
        _f("actor", S, "who attacked, as reported"),
        *CLAIM_OUT,
        NOTE,
        LINE,
    ),
    foreign_keys=(SOURCE_FK, ForeignKey("incident_id", "incidents")),
)

CASUALTIES = Table(
    "casualties",
    "Casualty figures: one row per report of a figure (killed and/or injured).",
    key="casualty_id",
    raw=(
        _f("casualty_id", S, "permanent id (CA-…)", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        _f("event_id", S, "the event row the casualties belong to, where known"),
        *DATE_RAW,
        *PLACE_RAW,
        _worded("killed", "killed, as worded ('two', 'about 60')"),
        _worded("injured", "injured, as worded"),
        _f("victim_group", S, "who was hurt", vocab="victim_group"),
        _worded("children_killed", "children among the killed, as worded"),
        _worded("children_injured", "children among the injured, as worded"),
        _f("sex", S, "sex where given", vocab="sex"),
        _f("ages", S, "ages where given, ';'-separated"),
        _f("cause", S, "cause", vocab="cause", required=True),
        _f("figure_type", S, "new or cumulative", vocab="figure_type", required=True),
        *CLAIM_RAW,
        NOTE,
    ),
    processed=(
        _f("casualty_id", S, "permanent id", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        _f("event_id", S, "the event row, where known"),
        _f("incident_id", S, "incident the figure belongs to", required=True),
        _f("link_rule", S, "the linking rule (or links.csv row) that placed the report in its incident",
           required=True),
        *DATE_OUT,
        *PLACE_OUT,
        *_count("killed", "killed"),
        *_count("injured", "injured"),
        _f("victim_group", S, "who was hurt", vocab="victim_group", required=True),
        *_count("children_killed", "children killed"),
        *_count("children_injured", "children injured"),
        _f("sex", S, "sex where given", vocab="sex"),
        _f("ages", S, "ages where given"),
        _f("cause", S, "cause", vocab="cause", required=True),
        _f("figure_type", S, "new or cumulative", vocab="figure_type", required=True),
        _f("status", S, "current; partly superseded or superseded: a later report of the same claimant about the "
           "same incident gave some or all of its measures anew",
           required=True),
        _f("superseded_by", S, "casualty_id of the later report that revises this one"),
        _f("disagreement", B, "another current claim about the incident gives other numbers", required=True),
        *CLAIM_OUT,
        NOTE,
        LINE,
    ),
    # event_id first: a report naming an unknown event is rejected for that, as before the source check
    foreign_keys=(ForeignKey("event_id", "events"), SOURCE_FK, ForeignKey("incident_id", "incidents"),
                  ForeignKey("superseded_by", "casualties")),
    noun="casualty report",
)

STATEMENTS = Table(
    "statements",
    "Diplomatic statements: one row per reported statement.",
    key="statement_id",
    raw=(
        _f("statement_id", S, "permanent id (ST-…)", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        *DATE_RAW,
        _f("speaker", S, "who spoke, as named", required=True),
        _f("role", S, "the speaker's role"),
        _f("affiliation", S, "the speaker's body"),
        _f("country", S, "ISO 3166 alpha-2 country of the speaker, INT for international bodies", required=True),
        _f("channel", S, "where it was said", vocab="channel"),
        _f("topic", S, "topics (';'-separated)", vocab="topic", required=True),
        _f("stance", S, "stance on negotiations", vocab="stance", required=True),
        _f("summary", S, "one sentence in the coder's own words", required=True),
        _f("claim_by", S, "who reports the statement", vocab="claim_by"),
        _f("confirmed", S, "independently verified per the report", vocab="confirmed"),
        NOTE,
    ),
    processed=(
        _f("statement_id", S, "permanent id", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        _f("utterance_id", S, "reports of one statement (same speaker, same or next day, same substance; "
           "syndicated copies) share it: UT- + the first statement id", required=True),
        _f("link_rule", S, "the rule (or links.csv row) that grouped the report into its utterance",
           required=True),
        *DATE_OUT,
        _f("speaker", S, "who spoke", required=True),
        _f("role", S, "the speaker's role"),
        _f("affiliation", S, "the speaker's body"),
        _f("country", S, "ISO 3166 alpha-2, or INT", required=True),
        _f("channel", S, "where it was said", vocab="channel", required=True),
        _f("topic", S, "topics (';'-separated)", vocab="topic", required=True),
        _f("stance", S, "stance on negotiations", vocab="stance", required=True),
        _f("summary", S, "coder's summary", required=True),
        _f("claim_by", S, "who reports the statement", vocab="claim_by", required=True),
        _f("confirmed", S, "independently verified per the report", vocab="confirmed", required=True),
        NOTE,
        LINE,
    ),
    foreign_keys=(SOURCE_FK,),
)

CONTROL = Table(
    "control",
    "Battlefield-control claims: one row per claim in a report.",
    key="claim_id",
    raw=(
        _f("claim_id", S, "permanent id (CL-…)", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        *DATE_RAW,
        *PLACE_RAW,
        _f("claim", S, "what is claimed", vocab="claim", required=True),
        _f("side", S, "the force the claim is about", vocab="side", required=True),
        _f("claimant", S, "the named person or body making the claim"),
        _f("claim_by", S, "who makes the claim", vocab="claim_by"),
        _f("confirmed", S, "independently verified per the report", vocab="confirmed"),
        NOTE,
    ),
    processed=(
        _f("claim_id", S, "permanent id", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        *DATE_OUT,
        *PLACE_OUT,
        _f("claim", S, "what is claimed", vocab="claim", required=True),
        _f("side", S, "the force the claim is about", vocab="side", required=True),
        *CLAIM_OUT,
        NOTE,
        LINE,
    ),
    foreign_keys=(SOURCE_FK,),
    noun="control claim",
)

TALLIES = Table(
    "tallies",
    "Daily or period summaries by regional administrations that cannot be split into events.",
    key="tally_id",
    raw=(
        _f("tally_id", S, "permanent id (TA-…)", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        *DATE_RAW,
        _f("period", S, "the period as worded ('over the past day')"),
        *PLACE_RAW,
        _worded("settlements_shelled", "settlements shelled, as worded"),
        _worded("killed", "killed, as worded"),
        _worded("injured", "injured, as worded"),
        *CLAIM_RAW,
        NOTE,
    ),
    processed=(
        _f("tally_id", S, "permanent id", required=True, unique=True),
        _f("source_id", S, "the report", required=True),
        *DATE_OUT,
        _f("period", S, "the period as worded"),
        *PLACE_OUT,
        *_count("settlements_shelled", "settlements shelled"),
        *_count("killed", "killed"),
        *_count("injured", "injured"),
        *CLAIM_OUT,
        NOTE,
        LINE,
    ),
    foreign_keys=(SOURCE_FK,),
    noun="tally",
)

GAZETTEER = Table(
    "gazetteer",
    "Canonical places with coordinates and every spelling met in reports.",
    key="place_id",
    raw=(
        _f("place_id", S, "stable id: gn:<GeoNames id>, or oskil:<slug> where GeoNames has none",
           required=True, unique=True),
        _f("geonames_id", S, "GeoNames id where one exists"),
        _f("name", S, "canonical name, Ukrainian national romanisation", required=True),
        _f("name_uk", S, "Ukrainian name"),
        _f("name_ru", S, "Russian name"),
        _f("variants", S, "other spellings, ';'-separated"),
        _f("place_type", S, "kind of place", vocab="place_type", required=True),
        _f("raion", S, "2020 raion, where known"),
        _f("oblast", S, "oblast", required=True),
        _f("latitude", S, "WGS84 latitude", required=True, bounds=LATITUDE),
        _f("longitude", S, "WGS84 longitude", required=True, bounds=LONGITUDE),
        _f("geo_prec", S, "precision of the coordinates (1 settlement, 3 raion centre, 4 oblast centre, 5 river)",
           required=True, bounds=GEO_RANGE),
        _f("coord_source", S, "where the coordinates come from", required=True),
    ),
    processed=(
        _f("place_id", S, "stable id", required=True, unique=True),
        _f("geonames_id", I, "GeoNames id"),
        _f("name", S, "canonical name", required=True),
        _f("name_uk", S, "Ukrainian name"),
        _f("name_ru", S, "Russian name"),
        _f("variants", S, "other spellings"),
        _f("place_type", S, "kind of place", vocab="place_type", required=True),
        _f("raion", S, "raion"),
        _f("oblast", S, "oblast", required=True),
        _f("latitude", F, "latitude", required=True, bounds=LATITUDE),
        _f("longitude", F, "longitude", required=True, bounds=LONGITUDE),
        _f("geo_prec", I, "precision of the coordinates", required=True, bounds=GEO_RANGE),
        _f("coord_source", S, "where the coordinates come from", required=True),
        LINE,
    ),
    noun="place",
)

INCIDENTS = Table(
    "incidents",
    "Reports of one attack linked under one id by the linking rules and links.csv, with the casualty figures "
    "reconciled across reports (docs/codebook.md: linking and reconciliation).",
    key="incident_id",
    processed=(
        _f("incident_id", S, "id of the incident (INC- + its first event id by date, else first casualty id)",
           required=True, unique=True),
        _f("place_id", S, "the most precise place among its reports", required=True),
        _f("event_type", S, "the most specific kind of attack among its reports; for an incident known only "
           "from casualty reports, their cause", required=True),
        _f("date_start", D, "first day, over its most precisely dated reports", required=True),
        _f("date_end", D, "last day, over its most precisely dated reports", required=True),
        _f("n_reports", I, "event and casualty rows linked to it", required=True, bounds=(1, None)),
        _f("n_sources", I, "distinct sources among them", required=True, bounds=(1, None)),
        _f("event_ids", S, "';'-separated event ids"),
        _f("casualty_ids", S, "';'-separated casualty ids"),
        _f("place_ids", S, "';'-separated places named by its reports (the less precise ones included)",
           required=True),
        _f("links", S, "';'-separated links.csv rows that merged or split its reports"),
        _part("killed_low", "killed, low end, by the default reconciliation rule (rising)", "killed", "low"),
        _part("killed_best", "killed, best estimate, by the default reconciliation rule (rising)", "killed", "best"),
        _part("killed_high", "killed, high end; empty with a best = open ('more than N')", "killed", "high"),
        _part("injured_low", "injured, low end, by the default reconciliation rule (rising)", "injured", "low"),
        _part("injured_best", "injured, best estimate, by the default reconciliation rule (rising)", "injured",
              "best"),
        _part("injured_high", "injured, high end; empty with a best = open", "injured", "high"),
        _f("disagreement", B, "its current claims give different numbers, or contradict each other",
           required=True),
        _f("conflict", S, "what the reports contradict each other on, in words"),
    ),
)

LINKS = Table(
    "links",
    "Coder decisions that override the linking rules: merge reports the rules kept apart, or split off "
    "reports the rules joined (docs/coding-guide.md, 'Resolving a link candidate').",
    key="link_id",
    raw=(
        _f("link_id", S, "permanent id (LK-0001)", required=True, unique=True),
        _f("action", S, "merge or split", vocab="link_action", required=True),
        _f("ids", S, "the reports concerned, ';'-separated: event and casualty ids, or statement ids",
           required=True),
        _f("reason", S, "why, in the coder's own words", required=True),
        _f("source_id", S, "the report that shows it", required=True),
        NOTE,
    ),
    processed=(
        _f("link_id", S, "permanent id", required=True, unique=True),
        _f("action", S, "merge or split", vocab="link_action", required=True),
        _f("target", S, "incident (event and casualty ids) or utterance (statement ids)", required=True),
        _f("ids", S, "the reports concerned, ';'-separated, sorted", required=True),
        _f("reason", S, "why", required=True),
        _f("source_id", S, "the report that shows it", required=True),
        NOTE,
        LINE,
    ),
    foreign_keys=(SOURCE_FK,),
)

LINK_CANDIDATES = Table(
    "link_candidates",
    "The review queue: pairs of reports that look like one incident or one utterance but were kept apart, "
    "with the rule that kept them apart. A coder resolves one by a merge (or nothing) in links.csv.",
    key=None,
    processed=(
        _f("kind", S, "incident, utterance, or victim (one person reported both killed and injured)",
           required=True),
        _f("id_a", S, "one report", required=True),
        _f("id_b", S, "the other report (for incidents: the leader of the incident it was not put in)",
           required=True),
        _f("group_a", S, "incident or utterance of id_a", required=True),
        _f("group_b", S, "incident or utterance of id_b", required=True),
        _f("rule", S, "what kept them apart", required=True),
    ),
)

REJECTS = Table(
    "rejects",
    "Every raw row that did not make it into a processed table, with why.",
    key=None,
    processed=(
        _f("table", S, "raw table", required=True),
        _f("file", S, "raw file name", required=True),
        _f("line", I, "line in the raw file (1 = header)", required=True),
        _f("row_id", S, "the row's id, where it had one"),
        _f("column", S, "the offending column", required=True),
        _f("value", S, "the offending value (neutralised for spreadsheets)"),
        _f("reason", S, "what was expected", required=True),
    ),
)

COVERAGE = Table(
    "coverage",
    "Collection design per report day, oblast and batch: which design produced the rows (continuous daily "
    "summaries, chosen strike days, single reports), how many rows, and for a daily summary how many "
    "settlements were coded against the summary's own tally.",
    key="coverage_id",
    processed=(
        _f("coverage_id", S, "COV-<date>-<oblast>-<batch>", required=True, unique=True),
        _f("date", D, "the day the reports were published", required=True),
        _f("oblast", S, "oblast of the rows", required=True),
        _f("batch", S, "coding batch (the letter in the row ids)", required=True),
        _f("design", S, "the collection design that covered the day", vocab="coverage_design", required=True),
        _f("rows", I, "event, casualty and tally rows of the batch from reports published that day",
           required=True, bounds=COUNT_RANGE),
        _f("events", I, "event rows among them", required=True, bounds=COUNT_RANGE),
        _f("summary_source_ids", S, "';'-separated daily summaries coded for the day (continuous design)"),
        _f("places", I, "distinct settlements coded from the day's summaries (continuous design)",
           bounds=COUNT_RANGE),
        _f("tally_settlements", I, "settlements shelled by the summaries' own tally (best estimate), where given",
           bounds=COUNT_RANGE),
        _f("tally_match", B, "the coded settlements equal the summary's tally, where a tally is given"),
    ),
)

RAW_TABLES: tuple[Table, ...] = (GAZETTEER, SOURCES, EVENTS, CASUALTIES, STATEMENTS, CONTROL, TALLIES, LINKS)
PROCESSED_TABLES: tuple[Table, ...] = (*RAW_TABLES, INCIDENTS, LINK_CANDIDATES, COVERAGE, REJECTS)
TABLES: dict[str, Table] = {t.name: t for t in PROCESSED_TABLES}


def fingerprint() -> str:
    """SHA-256 over every processed table's column names and dtypes."""
    spec = {t.name: [[f.name, f.dtype] for f in t.processed] for t in PROCESSED_TABLES}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
