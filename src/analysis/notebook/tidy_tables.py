"""Tables as a reader sees them: no pandas index, one missing-value marker, numbers rounded for reading.

`tidy` turns a frame into text cells (what is shown, and what the CSV holds, so a quoted number is the one on
the page); `show_table` displays it as a plain HTML table and, when the report runner asks
(analysis.notebook.saved_files), saves it as CSV next to the report with a link under the table.
"""

from __future__ import annotations

import csv
import html
import io

import pandas as pd

MISSING = "–"  # en dash: the one mark for a missing value (NaN, NA, NaT, None alike)
DIGITS = 2


def _index_as_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A meaningful index (named, several levels, or labels) becomes columns; a bare row number is dropped."""
    index = df.index
    bare = index.nlevels == 1 and index.name is None and pd.api.types.is_integer_dtype(index.dtype)
    out = df.reset_index(drop=bare)
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(p) for p in col if str(p)) for col in out.columns]
    out.columns = [str(c) for c in out.columns]
    return out


def _dates(col: pd.Series) -> pd.Series:
    ts = pd.to_datetime(col)
    known = ts.dropna()
    has_time = bool(((known.dt.hour != 0) | (known.dt.minute != 0) | (known.dt.second != 0)).any())
    return ts.dt.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")


def _numbers(col: pd.Series, digits: int) -> pd.Series:
    values = pd.to_numeric(col, errors="coerce").astype("Float64")
    known = values.dropna()
    if known.empty or bool(((known % 1) == 0).all()) and bool((known.abs() < 1e15).all()):
        return values.map(lambda v: f"{int(v)}", na_action="ignore")
    return values.map(lambda v: f"{v:.{digits}f}", na_action="ignore")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def numeric_columns(df: pd.DataFrame) -> set[str]:
    """Columns shown right-aligned: numbers that are not booleans."""
    return {str(c) for c in df.columns
            if pd.api.types.is_numeric_dtype(df[c].dtype) and not pd.api.types.is_bool_dtype(df[c].dtype)}


def tidy(df: pd.DataFrame, digits: dict[str, int] | int = DIGITS) -> pd.DataFrame:
    """Every cell as display text: index folded into columns, whole numbers without decimals, other numbers to
    `digits` decimals (per column if a dict), dates as YYYY-MM-DD, booleans yes/no, missing as MISSING."""
    frame = _index_as_columns(df)
    out = {}
    for name in frame.columns:
        col = frame[name]
        places = digits.get(name, DIGITS) if isinstance(digits, dict) else digits
        if pd.api.types.is_bool_dtype(col.dtype):
            text = col.map(_cell, na_action="ignore")
        elif pd.api.types.is_numeric_dtype(col.dtype):
            text = _numbers(col, places)
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            text = _dates(col)
        else:
            text = col.map(_cell, na_action="ignore")
        out[name] = text.astype(object).where(col.notna().to_numpy(), MISSING).astype(str)
    return pd.DataFrame(out, index=range(len(frame)), columns=list(frame.columns))


def to_html(text: pd.DataFrame, numeric: set[str], caption: str = "") -> str:
    """A plain table of text cells (escaped), numbers right-aligned."""
    def cls(col: str) -> str:
        return "num" if col in numeric else "date" if col in dates else "text"

    dates = {c for c in text.columns if text[c].str.fullmatch(r"\d{4}-\d\d-\d\d|–").all()}
    # a column name may break after '_' (long snake_case names would otherwise set the column's width)
    head = "".join(f'<th class="{cls(c)}">{html.escape(c).replace("_", "_<wbr>")}</th>' for c in text.columns)
    rows = "".join(
        "<tr>" + "".join(f'<td class="{cls(c)}">{html.escape(v)}</td>' for c, v in zip(text.columns, row, strict=True))
        + "</tr>" for row in text.itertuples(index=False, name=None))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="oskil-table">{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def to_csv(text: pd.DataFrame) -> str:
    """The shown table as CSV: the same rounded values, a missing value as an empty field."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(text.columns))
    writer.writerows([["" if v == MISSING else v for v in row] for row in text.itertuples(index=False, name=None)])
    return buf.getvalue()


def show_table(df: pd.DataFrame, title: str, digits: dict[str, int] | int = DIGITS) -> None:
    """Display df as a tidy table captioned `title`; under the report runner, also save it as CSV and link it."""
    from IPython.display import display

    from analysis.notebook.saved_files import links_html, next_name

    text = tidy(df, digits)
    numeric = numeric_columns(_index_as_columns(df))
    page = to_html(text, numeric, title) if len(text) else f"<p><strong>{html.escape(title)}:</strong> no rows.</p>"
    plain = f"{title}\n" + (text.to_string(index=False) if len(text) else "no rows")
    target = next_name("table", title)
    if target is not None:
        path, href = target
        path.with_suffix(".csv").write_text(to_csv(text), encoding="utf-8")
        page += links_html("Table as CSV", [("CSV", href + ".csv")])
    display({"text/html": page, "text/plain": plain}, raw=True)
