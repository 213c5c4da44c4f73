"""The book's sources: paired chapters carry identical cells, the table of contents
names real files, and the Colab cell clones the repository named in _config.yml."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from _tools import load_tool

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.py"))


def _cells(path):
    nb = jupytext.read(path)
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_chapters():
    assert CHAPTERS, "no chapters/*.py found"


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.name)
def test_pair_carries_identical_cells(py):
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{py.name} has no paired {ipynb.name}; run tools/execute_chapters.py"
    assert _cells(py) == _cells(ipynb), (
        f"{py.name} and {ipynb.name} differ: edit the .py, then run tools/execute_chapters.py")


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.name)
def test_committed_outputs_are_full_mode(py):
    """The book renders stored outputs; they must come from a full-mode run."""
    nb = jupytext.read(py.with_suffix(".ipynb"))
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []))
    assert "mode: full" in text, f"{py.with_suffix('.ipynb').name} holds no full-mode outputs"


def test_toc_lists_every_chapter_and_only_existing_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for c in toc["chapters"]]
    for f in files:
        assert any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb")), f
    for py in CHAPTERS:
        assert f"chapters/{py.stem}" in files, f"{py.name} is not in _toc.yml"


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.name)
def test_colab_cell_clones_the_configured_repository(py):
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    clones = re.findall(r"git clone .*?(https://\S+)", py.read_text())
    assert clones == [url], f"{py.name} clones {clones}, _config.yml says {url}"


execute_chapters = load_tool("execute_chapters")


def test_stabilise_names_cells_by_content_and_numbers_repeats():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_markdown_cell("x = 1"),
                                         nbformat.v4.new_code_cell("x = 1")])
    nb.cells[0].metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
    execute_chapters.stabilise(nb)
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == 3, ids  # the same source as code and as markdown, and a repeat
    assert ids[2] == ids[0] + "-2"
    assert "execution" not in nb.cells[0].metadata
    again = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    execute_chapters.stabilise(again)
    assert again.cells[0].id == ids[0]  # a hash of the cell, not of when it ran
    nbformat.validate(nb)


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.name)
def test_committed_notebooks_are_stable(py):
    """Re-executing a chapter should change its .ipynb only where sources or outputs do."""
    nb = jupytext.read(py.with_suffix(".ipynb"))
    found = [(c.id, "execution" in c.metadata) for c in nb.cells]
    execute_chapters.stabilise(nb)
    assert found == [(c.id, False) for c in nb.cells], (
        f"{py.with_suffix('.ipynb').name} has unstable cell ids or timestamps: "
        "run tools/execute_chapters.py --stabilise")
