"""examples/lecture.ipynb runs top to bottom against a live server, in a kernel of this venv's Python."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient

from tests.client.conftest import LiveServer

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "lecture.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


def text_of(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed or returned, as text."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_lecture_notebook_runs(live: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DESCENT_URL", live.url)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    name = nb.metadata.kernelspec.name
    # The venv's kernel, not whatever Jupyter finds first.
    assert KernelManager(kernel_name=name).format_kernel_cmd()[0] == sys.executable
    NotebookClient(nb, kernel_name=name, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.write(nb, tmp_path / "executed.ipynb")

    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    text = "\n".join(text_of(c) for c in code)
    assert "'random-guessing'" in text and "'backpropagation'" in text  # the lessons
    # Each show() displayed its charts as a widget, and the charts drew every step the run took.
    views = [c for c in code if "show(" in c.source]
    assert len(views) == 2 and all(any(WIDGET in o.get("data", {}) for o in c.outputs) for c in views)
    drawn = [line for line in text.splitlines() if line.startswith("steps drawn:")]
    assert len(drawn) == 2
    for line in drawn:
        _, _, steps, _, total = line.split()
        assert int(steps) == int(total) > 0, line
    assert "gradient descent: J = " in text and "random guessing: J = " in text
    assert "diverged" in text and "2/λmax = " in text
    assert "refused: optimizer.lr - " in text and "[0.002, 0.002]" in text
    assert "401 steps streamed; t = 400 stopped" in text  # the hello brings the 103 steps taken before
    assert "largest relative error" in text
