"""Notebook metadata as JupyterLab writes it, so opening a notebook and saving it unchanged changes no byte.

JupyterLab, on connecting a kernel, sets the notebook's ``kernelspec`` (name, display name, language) and its
``language_info`` (what the kernel reports), and saves with nbformat (one-space indent, sorted keys, final
newline). A notebook shipped with anything else is rewritten on its first save, and every report run after that
is marked "uncommitted changes". `normalise` writes the shipped notebooks that way, with no outputs or execution
counts (the reports carry the outputs).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

KERNELSPEC = {"display_name": "Oskil (Python 3)", "language": "python", "name": "oskil"}  # `make env` registers it


def language_info() -> dict:
    """What the Oskil kernel (ipykernel on this interpreter) reports, which JupyterLab copies into the file."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def expected_metadata() -> dict:
    return {"kernelspec": dict(KERNELSPEC), "language_info": language_info()}


def as_saved(nb: nbformat.NotebookNode) -> str:
    """The file text JupyterLab (jupyter_server, through nbformat) writes for this notebook."""
    return nbformat.writes(nb) + "\n"


def normalised(text: str) -> str:
    """The notebook text with JupyterLab's metadata, outputs and execution counts cleared, cell ids kept."""
    nb = nbformat.reads(text, as_version=4)
    nb.metadata = nbformat.from_dict({**nb.metadata, **expected_metadata()})
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return as_saved(nb)


def normalise(path: Path) -> bool:
    """Rewrite path normalised; True if it changed."""
    text = Path(path).read_text(encoding="utf-8")
    new = normalised(text)
    if new != text:
        Path(path).write_text(new, encoding="utf-8")
    return new != text
