"""Execute one notebook with papermill, atomically; keep failed runs for inspection.

Working directory: the notebook's own folder (what JupyterLab uses), so a notebook behaves
the same interactively and here. Notebooks find data through `analysis.notebook.keyfigures.default_data_dir()`,
which reads ``OSKIL_DATA_DIR`` set below for the kernel.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import analysis
from analysis.notebook.keyfigures import DATA_DIR_ENV, KEY_FIGURES_MIME, READ_LOG_ENV
from analysis.run.provenance import Params, pm_path

if TYPE_CHECKING:  # nbformat, papermill and jupyter_client are imported where used: `run --help` starts fast
    import nbformat

KERNEL = "python3"


@dataclass(frozen=True)
class ExecResult:
    """An executed notebook on disk and what the runner needs from it."""

    notebook: Path
    output: Path
    parameters: Params
    seconds: float
    key_figures: dict[str, object] = field(default_factory=dict)
    reads: list[dict] = field(default_factory=list)  # what load() read: {"data_dir": ..., "files": {name: sha}}


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names the cell, and the partial run is kept."""

    def __init__(self, message: str, failed_path: Path | None = None) -> None:
        super().__init__(message)
        self.failed_path = failed_path


@contextlib.contextmanager
def kernel_environment(data_dir: Path | None, read_log: Path | None = None) -> Iterator[None]:
    """Environment the kernel inherits: this interpreter's kernelspec, this checkout's code, and where load()
    records the hashes of the bytes it read (read_log)."""
    saved = dict(os.environ)
    try:
        share = Path(sys.prefix) / "share" / "jupyter"
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(share), saved.get("JUPYTER_PATH")]))
        src = str(Path(analysis.__file__).resolve().parent.parent)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [src, saved.get("PYTHONPATH")]))
        os.environ.pop("MPLBACKEND", None)  # let ipykernel pick the inline backend
        if data_dir is not None:
            os.environ[DATA_DIR_ENV] = str(Path(data_dir).resolve())
        os.environ.pop(READ_LOG_ENV, None)
        if read_log is not None:
            os.environ[READ_LOG_ENV] = str(read_log)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def check_kernel() -> None:
    """Refuse to run if kernel 'python3' would start another interpreter than this one."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    hint = f"run `{sys.executable} -m ipykernel install --sys-prefix`"
    try:
        argv0 = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
    except NoSuchKernel:
        raise RuntimeError(f"no Jupyter kernel {KERNEL!r}: {hint}") from None
    # jupyter_client itself swaps a bare 'python'/'python3' for sys.executable.
    bare = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    if argv0 not in bare and os.path.abspath(argv0) != os.path.abspath(sys.executable):
        raise RuntimeError(f"kernel {KERNEL!r} runs {argv0}, not {sys.executable}: {hint}")


def extract_key_figures(nb: nbformat.NotebookNode) -> dict[str, object]:
    """Merge every key-figures output, in cell order (a later figure of the same name wins)."""
    figures: dict[str, object] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if KEY_FIGURES_MIME in data:
                figures.update(data[KEY_FIGURES_MIME])
    return figures


def _source_index(notebook: Path, index: int, injected: bool) -> int:
    """Map papermill's cell index back to the source notebook (minus the injected cell)."""
    if not injected:
        return index
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
    injected_at = tagged[0] + 1 if tagged else 0
    return index - 1 if index > injected_at else index


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_LINE = re.compile(r"Cell In\[\d*\], line (\d+)")


def failing_line(traceback: list[str] | None, source: str) -> tuple[int, str]:
    """(line number, text) of the line of the failing cell that raised, from IPython's traceback ("Cell In[4],
    line 12"), whose first cell frame is the failing cell's own; (1, first line) if the traceback has none."""
    lines = (source or "").splitlines() or [""]
    text = _ANSI.sub("", "\n".join(traceback or []))
    found = _CELL_LINE.search(text)
    number = int(found.group(1)) if found else 1
    number = number if 1 <= number <= len(lines) else 1
    return number, lines[number - 1].strip()


def failure_message(notebook: Path, err: object, injected: bool) -> str:
    """One line naming the cell as the source notebook numbers it (1-based, the injected cell not counted),
    the failing line and the error."""
    import nbformat

    index = _source_index(notebook, int(getattr(err, "cell_index", 0)), injected)
    cells = nbformat.read(notebook, as_version=4).cells
    code_no = sum(c.cell_type == "code" for c in cells[: index + 1])
    number, text = failing_line(getattr(err, "traceback", None), getattr(err, "source", "") or "")
    return (f"{notebook.name}: cell {index + 1} (code cell {code_no}), line {number} `{text}` raised "
            f"{getattr(err, 'ename', 'Error')}: {getattr(err, 'evalue', '')}")


def _keep_failed(tmp: Path, failed_dir: Path, name: str) -> Path | None:
    """Move a failed run's notebook to failed_dir if it is a whole, valid notebook (readable by everyone, like
    the reports); a missing, empty or truncated one (a full disk) is deleted: a valid partial notebook or
    nothing."""
    import nbformat

    try:
        nbformat.validate(nbformat.read(tmp, as_version=4))
    except Exception:  # noqa: BLE001 - unreadable for any reason: not worth keeping
        tmp.unlink(missing_ok=True)
        return None
    failed_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = failed_dir / f"{name}-{stamp}.ipynb"
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


def temp_name(folder: Path, stem: str, suffix: str) -> Path:
    """A hidden temporary name that carries this process's id, so sweep_stale() can tell a live run's files
    from those of a run that was killed."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{stem}.pid{os.getpid()}.", suffix=suffix)
    os.close(fd)
    return Path(name)


_PID = re.compile(r"\.pid(\d+)\.")


def sweep_stale(folder: Path) -> list[Path]:
    """Delete hidden temporary files in folder (and its subfolders) left by runs whose process is gone."""
    gone = []
    for path in list(Path(folder).rglob(".*.tmp*")) if Path(folder).is_dir() else ():
        m = _PID.search(path.name)
        if m is None:
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # that run is alive
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # alive, another user's
        if path.is_dir():  # a run's staged figure and table files (run/files.py)
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        gone.append(path)
    return gone


def read_log_entries(path: Path) -> list[dict]:
    """The lines load() appended to the read log (one JSON object per load() call)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def execute(
    notebook: Path,
    parameters: Params,
    out_ipynb: Path,
    cwd: Path | None = None,
    *,
    data_dir: Path | None = None,
    failed_dir: Path | None = None,
    staged: bool = False,
) -> ExecResult:
    """Run notebook with parameters (injected by papermill, never evaluated) into out_ipynb.

    cwd defaults to the notebook's folder. On failure the partial notebook goes to
    failed_dir (default: <out_ipynb's grandparent>/_failed) and NotebookFailed is raised. staged=True leaves
    the executed notebook under its hidden temporary name (ExecResult.output) for the caller to publish once
    the HTML is written, so a run that fails while rendering leaves neither.
    """
    from papermill import PapermillExecutionError, execute_notebook

    from analysis.run.kernel import QuietKernelManager

    notebook, out_ipynb = Path(notebook), Path(out_ipynb)
    failed_dir = failed_dir or out_ipynb.parent.parent / "_failed"
    out_ipynb.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(out_ipynb.parent, out_ipynb.stem, ".tmp.ipynb")
    read_log = temp_name(out_ipynb.parent, out_ipynb.stem, ".reads.tmp")
    start = time.perf_counter()
    try:
        with kernel_environment(data_dir, read_log):
            check_kernel()
            nb = execute_notebook(
                pm_path(notebook),
                pm_path(tmp),
                parameters=dict(parameters),
                kernel_name=KERNEL,
                cwd=str(cwd or notebook.parent),
                progress_bar=False,
                request_save_on_cell_execute=False,
                kernel_manager_class=QuietKernelManager,
            )
    except PapermillExecutionError as err:
        kept = _keep_failed(tmp, failed_dir, out_ipynb.stem)
        raise NotebookFailed(f"{failure_message(notebook, err, bool(parameters))}; partial notebook kept at {kept}",
                             kept) from None
    except Exception as err:
        kept = _keep_failed(tmp, failed_dir, out_ipynb.stem)
        raise NotebookFailed(f"{notebook.name}: {type(err).__name__}: {err}", kept) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        reads = read_log_entries(read_log)
        read_log.unlink(missing_ok=True)
    os.chmod(tmp, 0o644)
    if not staged:
        os.replace(tmp, out_ipynb)
    return ExecResult(
        notebook=notebook,
        output=tmp if staged else out_ipynb,
        parameters=dict(nb.metadata.get("papermill", {}).get("parameters", {})),
        seconds=time.perf_counter() - start,
        key_figures=extract_key_figures(nb),
        reads=reads,
    )
