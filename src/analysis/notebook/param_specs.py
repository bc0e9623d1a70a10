"""Which check each notebook parameter has, so the runner validates every value before a kernel starts.

A notebook's first cell after its parameters cell calls `analysis.notebook.params` on each parameter (what a JupyterLab
user runs); SPECS declares the same check per parameter (tests/unit/test_notebook_params.py holds the two
together), and `validate` runs them against the data folder the report will read, with the data's date
coverage. What it returns is what the runner injects: list parameters as lists, a place spelled another way as
the gazetteer's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from analysis.notebook import params
from analysis.notebook.params import ParameterError

Allowed = Callable[["Data"], list[str]]


class Data:
    """The tables of one processed folder, read only when a check needs them."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._tables: dict[str, pd.DataFrame] = {}

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            from analysis.notebook.load import load

            self._tables[name] = load(self.folder, (name,))[name]
        return self._tables[name]

    @cached_property
    def oblasts(self) -> list[str]:
        return sorted(self.table("gazetteer")["oblast"].dropna().unique())

    @cached_property
    def places(self) -> list[str]:
        gaz = self.table("gazetteer")
        return sorted(set(gaz["name"]) | set(gaz["raion"].dropna()))


@dataclass(frozen=True)
class Check:
    """One parameter's check: kind is the `analysis.notebook.params` function the notebook calls for it."""

    kind: str  # date, choice, choices, integer, boolean, processed_folder, place, text
    allowed: Allowed | None = None
    lo: int = 0
    hi: int = 0

    @property
    def is_list(self) -> bool:
        return self.kind == "choices"

    def run(self, name: str, value: object, data: Data) -> object:
        """The value to inject; ParameterError if the notebook would refuse it."""
        if self.kind == "date":
            params.date(name, value)
        elif self.kind == "choice":
            params.choice(name, value, self.allowed(data))
        elif self.kind == "choices":
            params.choices(name, value, self.allowed(data))
        elif self.kind == "integer":
            params.integer(name, value, self.lo, self.hi)
        elif self.kind == "boolean":
            params.boolean(name, value)
        elif self.kind == "place":
            return params.place(name, value, data.table("gazetteer"), self.allowed(data))
        # processed_folder (data_dir): the runner resolves the folder itself (against the project, not the working
        # directory) and refuses one without manifest.json before any kernel starts
        return value


def _vocab(name: str) -> Allowed:
    def allowed(_: Data) -> list[str]:
        from analysis.registry.vocab import words

        return words(name)

    return allowed


def _fixed(values: Callable[[], object]) -> Allowed:
    return lambda _: list(values())


def _shelling(attr: str) -> Allowed:
    def allowed(_: Data) -> list[str]:
        from analysis.notebook import shelling

        return list(getattr(shelling, attr))

    return allowed


def _casualties(attr: str) -> Allowed:
    def allowed(_: Data) -> list[str]:
        from analysis.notebook import casualties

        return list(getattr(casualties, attr))

    return allowed


def _event_kinds(_: Data) -> list[str]:
    from analysis.notebook import diplomacy

    return list(diplomacy.EVENT_KINDS)


def _horizon() -> int:
    from analysis.notebook import diplomacy

    return diplomacy.HORIZON


DATE = Check("date")
DATA_DIR = Check("processed_folder")
OBLAST = Check("choice", lambda d: ["all", *d.oblasts])
PERIODS = Check("choice", _fixed(lambda: ["D", "W", "M"]))

SPECS: dict[str, dict[str, Check]] = {
    "shelling_patterns": {
        "data_dir": DATA_DIR, "start_date": DATE, "end_date": DATE, "oblast": OBLAST,
        "scope": Check("choice", _shelling("SCOPES")),
        "freq": Check("choice", _shelling("FREQS")),
        "weapon": Check("choice", lambda d: ["all", *_vocab("weapon")(d)]),
        "pivot_place": Check("place", lambda d: d.places),
        "pivot_scope": Check("choice", _shelling("PIVOT_SCOPES")),
        "pivot_date": DATE,
        "window_days": Check("integer", lo=1, hi=365),
        "map_date": DATE,
        "max_date_prec": Check("integer", lo=1, hi=5),
    },
    "casualty_reports": {
        "data_dir": DATA_DIR, "start_date": DATE, "end_date": DATE, "oblast": OBLAST,
        "freq": PERIODS,
        "estimate": Check("choice", _casualties("ESTIMATES")),
        "reconcile_rule": Check("choice", _casualties("RULES")),
        "civilians_only": Check("boolean"),
        "revision_incident": Check("choice", lambda d: ["", *sorted(d.table("casualties")["incident_id"].unique())]),
    },
    "diplomatic_timing": {
        "data_dir": DATA_DIR, "start_date": DATE, "end_date": DATE, "oblast": OBLAST,
        "speakers": Check("choices", _fixed(lambda: ["UA", "RU", "third parties"])),
        "topics": Check("choices", _vocab("topic")),
        "stances": Check("choices", _vocab("stance")),
        "event_kind": Check("choice", _event_kinds),
        "window_days": Check("integer", lo=1, hi=_horizon()),
        "gap_days": Check("integer", lo=0, hi=30),
        "max_date_prec": Check("integer", lo=1, hi=2),
    },
}

# the table whose dates a notebook's period selects: a period with none of its rows is refused
COVERAGE = {"shelling_patterns": "events", "casualty_reports": "casualties", "diplomatic_timing": "statements"}


def as_list(value: object) -> object:
    """A list parameter as the command line gives it: 'UA,RU' or '["UA", "RU"]' (YAML/JSON) or one value, read
    as a list; 'all' and lists stay as they are."""
    if not isinstance(value, str) or value == "all":
        return value
    text = value.strip()
    if text.startswith("["):
        import yaml

        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            return value
        return [str(v) for v in parsed] if isinstance(parsed, list) else value
    return [part.strip() for part in text.split(",") if part.strip()] or value


def coverage(notebook: str, data: Data) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of the rows the notebook's period selects from (None if it has none)."""
    name = COVERAGE.get(notebook)
    if name is None:
        return None
    frame = data.table(name)
    if frame.empty:
        return None
    return pd.Timestamp(frame["date_start"].min()), pd.Timestamp(frame["date_end"].max())


def validate(notebook: str, values: dict[str, object], data_dir: Path, given: set[str] | None = None) -> dict:
    """Check every value of a notebook with a spec (values: the effective parameters); the values to inject for
    the given names (default: all), or ParameterError naming the first bad one. Notebooks without a spec pass."""
    spec = SPECS.get(notebook)
    if spec is None:
        return {k: v for k, v in values.items() if given is None or k in given}
    data = Data(data_dir)
    out = {}
    for name, value in values.items():
        check = spec.get(name)
        if check is not None and check.is_list:
            value = as_list(value)
        out[name] = check.run(name, value, data) if check is not None else value
    if "start_date" in out and "end_date" in out:
        start, end = params.date_range(out["start_date"], out["end_date"])
        covered = coverage(notebook, data)
        if covered is not None and (end < covered[0] or start > covered[1]):
            raise ParameterError("start_date..end_date", f"{out['start_date']}..{out['end_date']}",
                                 f"a period overlapping the data: {COVERAGE[notebook]} from {covered[0]:%Y-%m-%d} "
                                 f"to {covered[1]:%Y-%m-%d}")
    return {k: v for k, v in out.items() if given is None or k in given}

