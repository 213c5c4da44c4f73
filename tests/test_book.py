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
APPENDIX = sorted((ROOT / "appendix").glob("*.py"))
# Every executable page: the landing page, the chapters and the appendix notebooks.
NOTEBOOKS = [p for p in [ROOT / "intro.py"] if p.exists()] + CHAPTERS + APPENDIX


def _cells(path):
    nb = jupytext.read(path)
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_chapters():
    assert CHAPTERS, "no chapters/*.py found"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.name)
def test_pair_carries_identical_cells(py):
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{py.name} has no paired {ipynb.name}; run tools/execute_chapters.py"
    assert _cells(py) == _cells(ipynb), (
        f"{py.name} and {ipynb.name} differ: edit the .py, then run tools/execute_chapters.py")


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.name)
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
    for py in CHAPTERS + APPENDIX:
        assert f"{py.parent.name}/{py.stem}" in files, f"{py.name} is not in _toc.yml"


@pytest.mark.parametrize("py", CHAPTERS + APPENDIX, ids=lambda p: p.name)
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


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_stable(py):
    """Re-executing a chapter should change its .ipynb only where sources or outputs do."""
    nb = jupytext.read(py.with_suffix(".ipynb"))
    found = [(c.id, "execution" in c.metadata) for c in nb.cells]
    execute_chapters.stabilise(nb)
    assert found == [(c.id, False) for c in nb.cells], (
        f"{py.with_suffix('.ipynb').name} has unstable cell ids or timestamps: "
        "run tools/execute_chapters.py --stabilise")


# What a reader sees: no machine's paths or tracebacks, code that fits the column, and
# prose whose numbers are pasted from the computation.
_MAX_CODE_LINE = 88
# A slash that starts a path (not "ACC/NMI" or "samples/s"): /name/... after a space,
# quote, bracket or the start of a line.
_ABSOLUTE_PATH = re.compile(r"(?:^|[\s'\"(\[=:])/(?:[A-Za-z_][\w.-]*/)+", re.MULTILINE)
_GLUE_ROLE = re.compile(r"\{glue:?\w*\}`([\w-]+)(?::[^`]*)?`")
_GLUED_CHAPTERS = ("02", "03", "04", "05", "06")


def _output_texts(nb):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                yield "Traceback: " + out.get("ename", "")
            if "text" in out:
                yield out["text"]
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/") and isinstance(data, str):
                    yield data


def _paths_and_tracebacks(text):
    found = [m.group(0).strip() for m in _ABSOLUTE_PATH.finditer(text)]
    if "Traceback" in text:
        found.append("a traceback")
    return found


def test_the_output_check_finds_paths_and_tracebacks():
    assert _paths_and_tracebacks("All runs are stored in /home/me/caeward/results/full")
    assert _paths_and_tracebacks("Traceback (most recent call last):")
    assert not _paths_and_tracebacks("ACC/NMI at 2,000 samples/s, 1/3 of runs, ~/.cache")


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_name_no_machine_path_and_hold_no_traceback(py):
    nb = jupytext.read(py.with_suffix(".ipynb"))
    found = [hit for text in _output_texts(nb) for hit in _paths_and_tracebacks(text)]
    assert not found, f"{py.with_suffix('.ipynb').name} prints {found[:5]}: print names relative to the book"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_column(py):
    long = [line for cell in jupytext.read(py).cells if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > _MAX_CODE_LINE]
    assert not long, f"{py.name}: {len(long)} code line(s) over {_MAX_CODE_LINE} characters: {long[:3]}"


def _glued_names(nb):
    return {out.get("metadata", {}).get("scrapbook", {}).get("name")
            for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])} - {None}


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_pastes_only_values_the_stored_run_glued(py):
    nb = jupytext.read(py.with_suffix(".ipynb"))
    used = {name for cell in nb.cells if cell.cell_type == "markdown"
            for name in _GLUE_ROLE.findall(cell.source)}
    if py.name[:2] in _GLUED_CHAPTERS:
        assert used, f"{py.name} states no finding with a glued number"
    missing = used - _glued_names(nb)
    assert not missing, f"{py.name} pastes {sorted(missing)}, which its stored outputs do not glue: re-execute it"


def test_readme_names_every_chapter_and_stays_short():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.split()) <= 600, f"README has {len(readme.split())} words (at most 600)"
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for entry in toc["chapters"]:
        path = ROOT / entry["file"]
        if path.parts[-2] != "chapters":
            continue
        number = int(path.name[:2])
        assert re.search(rf"^{number}\. \*\*", readme, re.M), f"README lists no chapter {number}"
