"""`run` and `verify` commands; the main CLI calls `register(subparsers)` then `args.func(args)`."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from analysis.run import files
from analysis.run import provenance as prov_mod
from analysis.run.execute import NotebookFailed, execute, sweep_stale
from analysis.run.index import INDEX_NAME, build_index, read_provenance
from analysis.run.page import differences
from analysis.run.provenance import Params
from analysis.run.verify import CHANGED, FAILED, SAME, Check, compare, format_table, verdict
from analysis.support.folder_lock import shared_lock
from analysis.support.paths import find, project_path, repo_root


def parse_value(text: str) -> object:
    """A -p value as papermill's own CLI converts it (True/False/None/int/float, else str)."""
    try:
        from papermill.cli import _resolve_type
    except ImportError:  # private helper; keep the string if it moves
        return text
    return _resolve_type(text)


DATA_PARAM = "data_dir"


def render(*args, **kwargs) -> Path:
    """analysis.run.render.render, imported on first use: nbconvert and bleach take a second to import, which
    `run --help` and a run refused before any kernel starts need not wait for."""
    from analysis.run.render import render as _render

    return _render(*args, **kwargs)


def render_html(*args, **kwargs) -> str:
    """analysis.run.render.render_html, imported on first use (see render)."""
    from analysis.run.render import render_html as _render_html

    return _render_html(*args, **kwargs)


def resolve_data(defaults: Params, given: Params, option: Path | str | None, root: Path) -> tuple[Params, Path]:
    """(parameters, data folder). A notebook that declares a `data_dir` parameter reads that
    folder, and --data-dir (if given) is passed to it as that parameter; otherwise the kernel
    gets --data-dir, default <root>/data/processed, through analysis.notebook.keyfigures.default_data_dir().

    A folder passed as the parameter is recorded as paths.project_path writes it (relative to the project, or
    ~/...), so where the project or the home folder is never changes a report's name or parameter hash."""
    if DATA_PARAM in defaults:
        default_dir = root / os.path.expanduser(str(defaults[DATA_PARAM]))
        if DATA_PARAM in given and isinstance(given[DATA_PARAM], str):
            given = {**given, DATA_PARAM: project_path(given[DATA_PARAM], root)}
        same = option is not None and (root / os.path.expanduser(str(option))).resolve() == default_dir.resolve()
        if option is not None and DATA_PARAM not in given and not same:  # the default is no parameter change
            given = {**given, DATA_PARAM: project_path(option, root)}
        folder = Path(os.path.expanduser(str(given.get(DATA_PARAM, defaults[DATA_PARAM]))))
        return given, folder if folder.is_absolute() else root / folder
    return given, root / os.path.expanduser(str(option)) if option is not None else root / "data" / "processed"


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def run_report(
    notebook: Path,
    given: Params,
    *,
    reports_dir: Path,
    data_dir: Path | None,
    root: Path,
    no_code: bool = False,
) -> tuple[Path, dict]:
    """Execute + render one notebook; return (html path, provenance incl. key figures).

    data_dir: the --data-dir option, None if not given (see resolve_data)."""
    notebook = Path(notebook).resolve()
    defaults = prov_mod.notebook_defaults(notebook)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise NotebookFailed(f"{notebook.name}: unknown parameter(s) {unknown}; it declares {sorted(defaults)}")
    given, data_dir = resolve_data(defaults, given, data_dir, root)
    if DATA_PARAM in defaults and not (data_dir / "manifest.json").is_file():  # before any kernel starts
        raise NotebookFailed(f"{notebook.name}: {DATA_PARAM} {data_dir} is not a folder written by `python -m "
                             "analysis clean` (no manifest.json); nothing was run")
    effective = prov_mod.effective_parameters(defaults, given)
    # held shared from hashing the data to publishing the page: a clean into the folder waits for this report
    with shared_lock(data_dir):
        provenance = prov_mod.collect(notebook, given, data_dir, root)
        provenance["render"] = {"no_code": no_code}
        provenance["given"] = dict(given)  # what papermill injected: verify injects the same
        # the data's hash is part of the name: new data never overwrites a report cited on the old data
        data_tag = prov_mod.data_hash(provenance["data_files"])[:8]
        stem = (f"{prov_mod.report_stem(notebook.stem, effective, defaults)}-{data_tag}"
                + ("-nocode" if no_code else ""))
        folder = reports_dir / prov_mod.slugify(notebook.stem)
        out_html = folder / f"{stem}.html"
        if not _inside(out_html, reports_dir):  # cannot happen with slugify; belt and braces
            raise NotebookFailed(f"refusing to write outside {reports_dir}: {out_html}")
        with files.staged(folder, stem) as staging:  # the notebook's figure and table files (PNG, SVG, CSV)
            result = execute(notebook, given, folder / f"{stem}.ipynb", data_dir=data_dir,
                             failed_dir=reports_dir / "_failed", staged=True)
            try:
                check_reads(result.reads, data_dir, provenance["data_files"], notebook.name)
                # files read through analysis.notebook.load (None: it logged none, so `verify` checks every file)
                provenance["data_read"] = sorted({n for entry in result.reads for n in entry.get("files", {})}) or None
                same_data_or_new(out_html, provenance)
                provenance["key_figures"] = result.key_figures
                render(result.output, provenance, out_html, no_code=no_code, notebook_dir=notebook.parent)
            except BaseException:
                result.output.unlink(missing_ok=True)
                raise
            os.replace(result.output, folder / f"{stem}.ipynb")
            files.publish(staging, files.files_dir(out_html))
    return out_html, provenance


def check_reads(reads: list[dict], data_dir: Path, cited: dict[str, str], name: str) -> None:
    """The notebook must have read the very bytes the provenance cites, from the cited folder: a folder
    changed (or swapped) while the report ran fails the run instead of producing a page that mixes two."""
    for entry in reads:
        folder = Path(str(entry.get("data_dir", "")))
        if folder.resolve() != Path(data_dir).resolve():
            raise NotebookFailed(f"{name}: the notebook read data from {folder}, but the report cites {data_dir}; "
                                 "nothing was written")
        for file, digest in sorted(entry.get("files", {}).items()):
            if cited.get(file) != digest:
                raise NotebookFailed(
                    f"{name}: {data_dir / file} changed while the report ran (sha256 {str(cited.get(file))[:12]} "
                    f"when it started, {digest[:12]} when the notebook read it); nothing was written: run it again")


def same_data_or_new(out_html: Path, provenance: dict) -> None:
    """An existing report is replaced only by one computed from the same data (same data hash)."""
    if not out_html.exists():
        return
    old = read_provenance(out_html)
    if old is None or old.get("data_sha256") != provenance.get("data_sha256"):
        raise NotebookFailed(f"{out_html} exists and cites other data (or is not an Oskil report); "
                             "refusing to replace it")


def _job(notebook: Path, given: Params, options: dict) -> tuple[bool, float, str]:
    """One notebook, safe to run in a worker process: (ok, seconds, html path or error)."""
    start = time.perf_counter()
    print(f"[run] started  {notebook.name}", flush=True)
    try:
        html, _ = run_report(notebook, given, **options)
    except NotebookFailed as err:
        return False, time.perf_counter() - start, str(err)
    except Exception as err:  # noqa: BLE001 - report and go on with the other notebooks
        return False, time.perf_counter() - start, f"{type(err).__name__}: {err}"
    return True, time.perf_counter() - start, str(html)


def die_with_parent(parent: int) -> None:
    """Worker initializer: have Linux SIGKILL this worker when the `run` process dies (even by kill -9), so no
    worker goes on running notebooks for nobody; its kernels follow (they poll for their parent)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def claim_reports(reports: Path) -> str | None:
    """Why `run` must not write into `reports` (None if it may): a file, or a folder holding files the runner
    does not write (index.html, _failed/, one folder of .html/.ipynb per notebook, hidden temporary files)."""
    if not reports.exists():
        return None
    if not reports.is_dir():
        return f"{reports}: expected a reports folder (this is a file)"
    for entry in sorted(reports.iterdir()):
        if entry.name.startswith(".") or entry.name in (INDEX_NAME, "_failed"):
            continue
        inner = list(entry.iterdir()) if entry.is_dir() else [entry]
        foreign = [f for f in inner if not f.name.startswith(".") and f.suffix not in (".html", ".ipynb")
                   and not (f.is_dir() and f.name.endswith(files.SUFFIX))]
        if not entry.is_dir() or foreign:
            first = foreign[0] if foreign else entry
            return (f"{first}: expected a reports folder holding only what `run` writes; refusing to write "
                    "into a folder with other files (choose another --reports)")
    return None


def _declared(notebook: Path) -> Params:
    """Parameters a notebook declares; {} if unreadable (its own run then reports why)."""
    try:
        return prov_mod.notebook_defaults(notebook)
    except Exception:  # noqa: BLE001
        return {}


def _notebook_params(notebooks: list[Path], given: Params) -> dict[Path, Params] | str:
    """Per notebook, the -p values it declares; an error text if one is declared by none."""
    declared = {nb: _declared(nb) for nb in notebooks}
    unused = sorted(name for name in given if not any(name in d for d in declared.values()))
    if unused and len(notebooks) > 1:
        return f"no notebook declares parameter(s) {unused}"
    if len(notebooks) == 1:
        return {notebooks[0]: dict(given)}  # run_report names unknown ones
    return {nb: {k: v for k, v in given.items() if k in d} for nb, d in declared.items()}


def _notebook_path(name: str, root: Path) -> Path:
    """A path (from the working directory, else from the project root), or a bare notebook name
    ('shelling_patterns') looked up in notebooks/."""
    path = Path(name)
    if path.suffix == ".ipynb" or len(path.parts) > 1 or path.is_file():
        return find(path, root).resolve()
    return (root / "notebooks" / f"{name}.ipynb").resolve()


def read_parameter_files(files: list[str], yaml_texts: list[str]) -> Params:
    """-f FILE and -y TEXT as papermill reads them (YAML mappings, later ones win); a YAML date is kept as the
    text YYYY-MM-DD the notebooks expect. ValueError with one line if one is not a mapping."""
    import datetime

    import yaml

    merged: Params = {}
    sources = [(f, None) for f in files] + [("-y", t) for t in yaml_texts]
    for name, text in sources:
        try:
            body = Path(name).read_text(encoding="utf-8") if text is None else text
            values = yaml.safe_load(body)
        except OSError as err:
            raise ValueError(f"{name}: {err.strerror or err}") from None
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
            raise ValueError(f"{name}:{where} not valid YAML ({getattr(err, 'problem', None) or err})") from None
        if values is None:
            continue
        if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
            raise ValueError(f"{name}: expected a YAML mapping of parameter names to values (name: value)")
        merged.update({k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()})
    return merged


def _list_names(notebook: Path) -> set[str]:
    """Parameters the notebook types as lists (`speakers: list[str] = ...`)."""
    import papermill

    try:
        info = papermill.inspect_notebook(prov_mod.pm_path(notebook))
    except Exception:  # noqa: BLE001 - its own run reports why
        return set()
    return {name for name, p in info.items() if str(p.get("inferred_type_name", "")).startswith("list")}


def prepare(notebook: Path, given: Params, data_option: str | None, root: Path) -> tuple[Params, list[str]]:
    """Every value checked before a kernel starts: (the values to inject, notes for the user), or
    NotebookFailed with one line naming the notebook and the parameter."""
    from analysis.notebook import param_specs as notebook_params

    defaults = prov_mod.notebook_defaults(notebook)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise NotebookFailed(f"{notebook.name}: unknown parameter(s) {unknown}; it declares "
                             f"{', '.join(defaults)}")
    spec = notebook_params.SPECS.get(notebook.stem, {})
    lists = {n for n, c in spec.items() if c.is_list} | _list_names(notebook)
    given = {k: notebook_params.as_list(v) if k in lists else v for k, v in given.items()}
    given, folder = resolve_data(defaults, given, data_option, root)
    if DATA_PARAM in defaults and not (folder / "manifest.json").is_file():
        raise NotebookFailed(f"{notebook.name}: {DATA_PARAM} {given.get(DATA_PARAM, defaults[DATA_PARAM])} is not "
                             "a folder written by `python -m analysis clean` (no manifest.json); nothing was run")
    effective = prov_mod.effective_parameters(defaults, given)
    try:
        checked = notebook_params.validate(notebook.stem, effective, folder, given=set(given))
    except notebook_params.ParameterError as err:
        raise NotebookFailed(f"{notebook.name}: {err}") from None
    notes = [f"{notebook.name}: {k} {given[k]!r} is {v!r} in the gazetteer" for k, v in checked.items()
             if isinstance(given[k], str) and isinstance(v, str) and v != given[k]]
    return {**given, **checked}, notes


def main_run(args: argparse.Namespace) -> int:
    """`run`: check every parameter, then execute notebooks (in parallel), render reports, rebuild the index."""
    root = Path(args.root).resolve() if args.root else repo_root()
    reports = find(args.reports, root).resolve() if args.reports else root / "reports"
    notebooks = [_notebook_path(n, root) for n in args.notebooks] or sorted((root / "notebooks").glob("*.ipynb"))
    if not notebooks:
        print(f"[run] error: no notebooks in {root / 'notebooks'}", file=sys.stderr)
        return 2
    missing = [str(n) for n in notebooks if not n.is_file()]
    if missing:
        print(f"[run] error: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    refused = claim_reports(reports)
    if refused:
        print(f"[run] error: {refused}", file=sys.stderr)
        return 2
    try:
        given = read_parameter_files(args.parameter_files or [], args.parameter_yaml or [])
    except ValueError as err:
        print(f"[run] error: {err}", file=sys.stderr)
        return 2
    given.update({name: parse_value(value) for name, value in args.parameters or []})
    if isinstance(given.get(DATA_PARAM), str):  # typed from here: relative to this folder (if there), or the project
        given[DATA_PARAM] = str(find(given[DATA_PARAM], root))
    data_option = str(find(args.data_dir, root)) if args.data_dir else None
    plan = _notebook_params(notebooks, given)
    if isinstance(plan, str):
        print(f"[run] error: {plan}", file=sys.stderr)
        return 2
    for nb in notebooks:  # before any kernel starts: a bad value costs a second, not a run
        try:
            plan[nb], notes = prepare(nb, plan[nb], data_option, root)
        except NotebookFailed as err:
            print(f"[run] error: {err}", file=sys.stderr)
            return 2
        for note in notes:
            print(f"[run] {note}", flush=True)
    sweep_stale(reports)  # temporary files of runs that were killed
    options = {"reports_dir": reports, "data_dir": Path(data_option) if data_option else None, "root": root,
               "no_code": args.no_code}
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(notebooks)))
    failed = 0
    if jobs == 1:
        outcomes = ((nb, _job(nb, plan[nb], options)) for nb in notebooks)
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
        futures = {pool.submit(_job, nb, plan[nb], options): nb for nb in notebooks}
        outcomes = ((futures[f], f.result()) for f in as_completed(futures))
    try:
        for nb, (ok, seconds, detail) in outcomes:
            if ok:
                print(f"[run] finished {nb.name} in {seconds:.1f} s -> {_shown(Path(detail))}", flush=True)
            else:
                failed += 1
                print(f"[run] FAILED   {nb.name} after {seconds:.1f} s: {detail}", flush=True)
    finally:
        if jobs > 1:
            pool.shutdown()
    print(f"[run] index: {_shown(build_index(reports))}")
    print(f"[run] {len(notebooks) - failed} rendered, {failed} failed")
    return 1 if failed else 0


def _shown(path: Path) -> str:
    """A path as the user would type it from the working directory: relative when below it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _find_notebook(prov: dict, root: Path) -> Path | None:
    """The cited notebook by file name under notebooks/ (never a path taken from the report)."""
    name = str(prov.get("notebook", ""))
    if not name.endswith(".ipynb") or Path(name).name != name:
        return None
    path = root / "notebooks" / name
    return path if path.is_file() else None


def main_verify(args: argparse.Namespace) -> int:
    """`verify`: re-run a report's notebook with its parameters and compare."""
    root = Path(args.root or repo_root()).resolve()
    if not Path(args.report).is_file():  # a folder, a pipe or a device is never read
        print(f"[verify] error: {args.report}: expected a report file (an .html file written by `run`)",
              file=sys.stderr)
        return 2
    old = read_provenance(Path(args.report))
    if old is None:
        print(f"[verify] {args.report}: no Oskil provenance found", file=sys.stderr)
        return 2
    notebook = _find_notebook(old, root)
    if notebook is None:
        print(
            f"[verify] notebook {old.get('notebook')!r} not found under {root / 'notebooks'}",
            file=sys.stderr,
        )
        return 1
    defaults = prov_mod.notebook_defaults(notebook)
    given = {
        k: v
        for k, v in old.get("parameters", {}).items()
        if k not in defaults or not prov_mod.same_value(v, defaults[k])
    }
    injected = old.get("given")
    if isinstance(injected, dict) and all(k in old.get("parameters", {}) and prov_mod.same_value(
            v, old["parameters"][k]) for k, v in injected.items()):
        # the very values papermill injected, in their order, then any other the cited parameters change
        given = {**injected, **{k: v for k, v in given.items() if k not in injected}}
    data_dir = Path(args.data_dir).resolve() if args.data_dir else None
    if data_dir is not None and DATA_PARAM in defaults:  # --data-dir beats the recorded value
        given[DATA_PARAM] = str(data_dir)
    if data_dir is None and DATA_PARAM not in defaults:  # the folder the report recorded
        recorded = Path(str(old.get("data_dir", "")))
        recorded = recorded if recorded.is_absolute() else root / recorded
        data_dir = recorded if old.get("data_dir") and recorded.is_dir() else None
    refused = claim_reports(Path(args.keep).resolve()) if args.keep else None
    if refused:
        print(f"[verify] error: {refused}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="oskil-verify-") as tmp:
        reports = Path(args.keep).resolve() if args.keep else Path(tmp)
        print(f"[verify] re-running {notebook.name} with {old.get('parameters', {})}", flush=True)
        try:
            html, new = run_report(notebook, given, reports_dir=reports, data_dir=data_dir, root=root)
            rerun = Check("run", "re-run", "ok", "", str(html) if args.keep else "")
        except NotebookFailed as err:  # still say which data changed: often the reason
            given, folder = resolve_data(defaults, given, data_dir, root)
            new = prov_mod.collect(notebook, given, folder, root)
            rerun = Check("run", "re-run", FAILED, "", str(err))
        page = [] if rerun.status == FAILED else page_checks(Path(args.report), html, old, notebook,
                                                                 moved=args.data_dir is not None)
    checks = [rerun, *compare(old, new), *page]
    print(format_table(checks))
    ok, line = verdict(checks, strict=args.strict)
    print(line)
    return 0 if ok else 1


def page_checks(report: Path, rerun_html: Path, old: dict, notebook: Path, moved: bool) -> list[Check]:
    """The cited page against the re-run's notebook rendered with the cited provenance: same bytes, or every
    difference named where it is (a data folder given with --data-dir changes only the injected cell)."""
    no_code = bool(old.get("render", {}).get("no_code", report.stem.endswith("-nocode")))
    expected = render_html(rerun_html.with_suffix(".ipynb"), old, no_code=no_code, notebook_dir=notebook.parent)
    found = differences(report.read_text(encoding="utf-8"), expected, skip_injected_input=moved)
    if not found:
        return [Check("page", "every output, the provenance block and the markup", SAME)]
    return [Check("page", d.where, CHANGED, d.page, d.expected) for d in found]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `run` and `verify` to the main CLI's subparsers (each sets args.func)."""
    run = subparsers.add_parser("run", help="execute notebooks into citable HTML reports")
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: every notebooks/*.ipynb")
    run.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="notebook parameter (papermill's type rules); a list parameter takes A,B or a YAML list '[A, B]'",
    )
    run.add_argument("-f", "--parameters-file", "--parameters_file", dest="parameter_files", action="append",
                     metavar="FILE", help="YAML file of parameters (name: value), as papermill's -f; -p wins")
    run.add_argument("-y", "--parameters-yaml", "--parameters_yaml", dest="parameter_yaml", action="append",
                     metavar="YAML", help="parameters as a YAML string, as papermill's -y")
    run.add_argument("--reports", help="output folder (default: <repo>/reports)")
    run.add_argument(
        "--data-dir",
        help="processed data folder (default: each notebook's data_dir parameter, else <repo>/data/processed)",
    )
    run.add_argument("--no-code", action="store_true", help="hide code cells in the HTML")
    run.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel notebooks")
    run.add_argument("--root", help=argparse.SUPPRESS)
    run.set_defaults(func=main_run)

    ver = subparsers.add_parser("verify", help="re-run a report and check that it reproduces")
    ver.add_argument("report", metavar="REPORT.html")
    ver.add_argument("--keep", metavar="DIR", help="keep the re-run report in DIR")
    ver.add_argument("--data-dir", help="data folder (default: the one recorded in the report)")
    ver.add_argument("--strict", action="store_true", help="also require the same code version")
    ver.add_argument("--root", help=argparse.SUPPRESS)
    ver.set_defaults(func=main_verify)
