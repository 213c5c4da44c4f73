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


# Output lines that fit the column: the same limit as code, for what a reader sees as
# text (streams and the plain text of a result; HTML tables are judged on the page).
def _text_output_lines(nb):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                yield from out.get("text", "").splitlines()
            elif out.get("output_type") == "execute_result" and "text/html" not in out.get("data", {}):
                yield from out.get("data", {}).get("text/plain", "").splitlines()


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.name)
def test_output_lines_fit_the_column(py):
    nb = jupytext.read(py.with_suffix(".ipynb"))
    long = [line for line in _text_output_lines(nb) if len(line) > _MAX_CODE_LINE]
    assert not long, (f"{py.with_suffix('.ipynb').name}: {len(long)} output line(s) over "
                      f"{_MAX_CODE_LINE} characters: {long[:3]}")


# One number per row: a method on a data set shows one mean across the book's pages,
# unless the row says which of the stored seeds it reads ("seeds 0–2 of 10").
_DATASET_NAME = re.compile(r"\bmnist-(full|test)\b", re.IGNORECASE)
_SEED_LABEL = re.compile(r"\bseeds? \d[\d,–\- and]* of \d+\b")
_MEAN = re.compile(r"^\s*(\d+)\.(\d+)")
_METRIC_HEADER = re.compile(r"^(ACC|NMI)(?: \(ours\))?$")
_METHOD_HEADERS = ("method", "Table 1 row", "row")  # not "clustering", "recipe": other rows


class _Tables(__import__("html.parser").parser.HTMLParser):
    """The tables of an HTML output: (title, header, rows); the title is the text
    before the table in the same output (``manifold_views.titled``'s caption)."""

    def __init__(self):
        super().__init__()
        self.tables, self._text, self._cell, self._row, self._in = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._in = {"title": " ".join(self._text).strip(), "header": [], "rows": []}
            self._text = []
        elif tag == "tr" and self._in is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            target = self._in["header"] if not self._in["header"] else self._in["rows"]
            if target is self._in["header"]:
                self._in["header"] = self._row
            else:
                target.append(self._row)
            self._row = None
        elif tag == "table" and self._in is not None:
            self.tables.append(self._in)
            self._in = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in is None:
            self._text.append(data)


def _dataset_in(text):
    found = _DATASET_NAME.findall(text or "")
    return f"mnist-{found[-1].lower()}" if found else None


def _printed_means(nb, name):
    """Every mean of ACC or NMI that a table of ``nb`` prints for a registered method
    on a data set: ``(method, data set, metric, mean text, seed-labelled, where)``.

    A row is a method's when its cell under a method's header (``method``, ``Table 1
    row``, ``row``) is the method's label or name; its data
    set is the one its own cells name, else the table's title, else the last one that
    the markdown before the table names. A row is seed-labelled when its cells, the
    table's title or header say which seeds ("seeds 0–2 of 10"), or when the table
    lists single runs (a ``seed`` column)."""
    from caeward.experiments import METHODS

    names = {m.label: key for key, m in METHODS.items()} | {key: key for key in METHODS}
    context = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            context = _dataset_in(cell.source) or context
            continue
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if not html:
                continue
            parser = _Tables()
            parser.feed(html)
            for table in parser.tables:
                header = [h.replace("\u00a0", " ") for h in table["header"]]
                metrics = [(i, _METRIC_HEADER.match(h).group(1)) for i, h in enumerate(header)
                           if _METRIC_HEADER.match(h)]
                per_run = "seed" in header
                labelled_table = bool(_SEED_LABEL.search(table["title"] + " ".join(header)))
                for row in table["rows"]:
                    cells = [c.replace("\u00a0", " ") for c in row]
                    method = next((names[c] for h, c in zip(header, cells)
                                   if h in _METHOD_HEADERS and c in names), None)
                    dataset = (next((_dataset_in(c) for c in cells if _dataset_in(c) == c.lower()),
                                    None) or _dataset_in(table["title"]) or context)
                    if method is None or dataset is None:
                        continue
                    labelled = per_run or labelled_table or any(_SEED_LABEL.search(c) for c in cells)
                    for i, metric in metrics:
                        if i < len(cells) and _MEAN.match(cells[i]):
                            yield (method, dataset, metric, _MEAN.match(cells[i]).group(0).strip(),
                                   labelled, f"{name} cell {index}")


def _conflicts(observations):
    """(method, data set, metric) printed with two different means, neither labelled."""
    means = {}
    for method, dataset, metric, mean, labelled, where in observations:
        if not labelled:
            means.setdefault((method, dataset, metric), {}).setdefault(mean, where)
    return {key: found for key, found in means.items()
            if len({float(m) for m in found}) > 1
            and max(map(float, found)) - min(map(float, found))
            > 0.5 * 10 ** -min(len(m.split(".")[1]) if "." in m else 0 for m in found)}


def _table_output(*rows, title="", header=("method", "seeds", "ACC (ours)")):
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    html = (f"<p><strong>{title}</strong></p><table><thead><tr>"
            + "".join(f"<th>{h}</th>" for h in header) + f"</tr></thead><tbody>{cells}</tbody></table>")
    return nbformat.v4.new_output("execute_result", data={"text/html": html, "text/plain": ""})


def test_the_seed_check_finds_two_means_of_one_row():
    def notebook(*outputs, text="## On MNIST-test"):
        code = nbformat.v4.new_code_cell("show_table(t)")
        code.outputs = list(outputs)
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text), code])

    four = notebook(_table_output(["CAE + k-means", "10", "78.90 ± 1.94"]))
    two = notebook(_table_output(["CAE + k-means", "3", "80.41 ± 0.48"]))
    labelled = notebook(_table_output(["CAE + k-means, seeds 0–2 of 10", "3", "80.41 ± 0.48"]))
    other = notebook(_table_output(["CAE + k-means", "3", "80.41 ± 0.48"], title="mnist-full"))
    rounded = notebook(_table_output(["CAE + k-means", "10", "78.9"]))
    seen = lambda *nbs: _conflicts([o for i, nb in enumerate(nbs)  # noqa: E731
                                    for o in _printed_means(nb, str(i))])
    assert seen(four, two) == {("cae-kmeans", "mnist-test", "ACC"):
                               {"78.90": "0 cell 1", "80.41": "1 cell 1"}}
    assert not seen(four, labelled)
    assert not seen(four, other)  # another data set, named by the table's title
    assert not seen(four, rounded)  # the same mean, to fewer digits


def test_reading_path_prints_one_mean_per_method_and_data_set():
    found = [o for py in NOTEBOOKS
             for o in _printed_means(jupytext.read(py.with_suffix(".ipynb")),
                                     py.with_suffix(".ipynb").name)]
    assert found, "the check recognised no method's mean in any table: is it still reading them?"
    conflicts = _conflicts(found)
    assert not conflicts, (
        "one method on one data set is printed with different means, with no seed label "
        "(use every stored seed, or say which: 'seeds 0–2 of 10'): "
        + "; ".join(f"{m} on {d} ({k}): " + ", ".join(f"{v} in {w}" for v, w in means.items())
                    for (m, d, k), means in sorted(conflicts.items())))


def _html_tables(html):
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def test_landing_page_shows_chapter_4s_verdicts_cell_for_cell():
    """The landing page's table of verdicts (glued) holds the very cells of chapter 4's
    verdict table: each claim's verdict and interval on each data set."""
    intro = jupytext.read(ROOT / "intro.ipynb")
    glued = [out["data"]["application/papermill.record/text/html"]
             for cell in intro.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
             if out.get("metadata", {}).get("scrapbook", {}).get("name") == "home_verdicts"]
    assert glued, "intro.ipynb glues no home_verdicts table: re-execute it"
    (home,) = _html_tables(glued[0])
    assert len(home["header"]) <= 8, home["header"]
    chapter = jupytext.read(ROOT / "chapters" / "04_full_experiment.ipynb")
    long = [t for cell in chapter.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
            for t in _html_tables(out.get("data", {}).get("text/html", ""))
            if t["header"][:2] == ["claim", "data set"]]
    assert long, "chapter 4 shows no verdict table"
    column = {h: i for i, h in enumerate(long[0]["header"])}
    theirs = {(row[0], row[1]): (row[column["verdict"]], row[column["95 % interval"]])
              for row in long[0]["rows"]}
    ours = {}
    for row in home["rows"]:
        for i in range(1, len(row), 2):
            dataset = home["header"][i].split(":")[0].lower()
            if row[i] != "not run":
                ours[(row[0], dataset)] = (row[i], row[i + 1])
    assert ours == theirs


def test_the_ledger_fits_the_runners_report_and_sums_a_runs_stages():
    from _tools import make_result
    from caeward.experiments.views.ledger import fit_report, stage_costs

    report = ("82 of 100 runs are stored; 18 are not (at most about 12.7 h from stored "
              "timings, plus 6 run(s) with no timing to estimate from) and are left out here.\n"
              "  python -m caeward run --method proposed-code20-kmeans --dataset mnist-full "
              "--seed 0 1 --budget full")
    fitted = fit_report(report).splitlines()
    assert max(map(len, fitted)) <= _MAX_CODE_LINE
    command = " ".join(line.rstrip("\\").strip() for line in fitted[2:])
    assert command == report.splitlines()[1].strip()  # the shell reads the same words
    assert fitted[2].endswith(" \\") and fitted[3].lstrip().startswith("--")
    # a run that reused a stored training: its process took 10 s, its stages 1,010 s
    run = make_result(method="sae-dec", dataset="mnist-full", timings={
        "pretrain_s": 1000.0, "selftrain_s": 9.0, "cluster_s": 1.0, "total_s": 10.0})
    costs = stage_costs([run], "mnist-full")
    assert costs["all stages s"].tolist() == [1010.0] and "total_s" not in costs
