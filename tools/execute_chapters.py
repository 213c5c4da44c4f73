"""Execute chapters from their py:percent source and store the outputs in the paired .ipynb.

The .py file is the source people edit; this writes the .ipynb the book renders, with
the outputs of a real run. Run it in full mode (the default) to refresh the book:

    .venv/bin/python tools/execute_chapters.py                      # every chapter
    .venv/bin/python tools/execute_chapters.py chapters/01_the_problem.py

With CAEWARD_QUICK=1 it runs the quick budget instead, and refuses to overwrite the
committed notebooks unless --output names another folder.

The notebooks it writes are stable: each cell's id is a hash of its type and source,
and no execution timestamps are stored, so executing a chapter again changes its
.ipynb only where a source or an output changed. ``--stabilise`` applies the same
to committed notebooks without executing them.

Each execution's wall time is recorded in ``results/benchmarks/chapter-times.json``
(per notebook and mode, with the machine, the commit and the date), which the
appendix's table of rerun times reads; ``--no-record`` leaves it alone.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections import Counter
from pathlib import Path

import json

import jupytext
import nbclient

from caeward import runtime
from caeward.experiments.settings import benchmarks_dir, quick_mode
from caeward.files import atomic_path

ROOT = Path(__file__).resolve().parents[1]


def stabilise(notebook) -> None:
    """Name every cell by a hash of its type and source and drop its execution
    timestamps, in place. Repeats of a cell are numbered ``<hash>-2``, ``<hash>-3``:
    hex digests hold no "-", so a numbered id never equals a plain one."""
    seen: Counter[str] = Counter()
    for cell in notebook.cells:
        digest = hashlib.sha256(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:12]
        seen[digest] += 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        cell.metadata.pop("execution", None)


def write_notebook(notebook, target: Path) -> None:
    stabilise(notebook)
    with atomic_path(target, suffix=".ipynb") as tmp:
        jupytext.write(notebook, tmp, fmt="ipynb")


def record_time(py: Path, seconds: float, load: float) -> None:
    """Add this execution's wall time to ``chapter-times.json`` (the latest per
    notebook and mode is kept), with the machine's load average when it started
    (other work on the machine slows it)."""
    from filelock import FileLock

    from caeward.experiments.settings import cache_root

    (cache_root() / "locks").mkdir(parents=True, exist_ok=True)
    with FileLock(cache_root() / "locks" / "chapter-times.lock"):  # two runs side by side
        _record_time(py, seconds, load)


def _record_time(py: Path, seconds: float, load: float) -> None:
    path = benchmarks_dir() / "chapter-times.json"
    record = json.loads(path.read_text()) if path.exists() else {
        "benchmark": "wall time to execute each notebook (tools/execute_chapters.py)", "rows": []}
    name, mode = str(py.relative_to(ROOT)), "quick" if quick_mode() else "full"
    row = {"notebook": name, "mode": mode, "seconds": round(seconds, 1), "load_at_start": round(load, 1),
           "device_name": runtime.device_name("cpu"), "cpu_count": os.cpu_count(),
           "commit": runtime.git_commit().get("commit"), "created": runtime.utc_timestamp()}
    record["rows"] = sorted([r for r in record["rows"] if (r["notebook"], r["mode"]) != (name, mode)]
                            + [row], key=lambda r: (r["notebook"], r["mode"]))
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=2) + "\n")


def execute(py: Path, out_dir: Path | None, record: bool = True) -> Path:
    os.environ["CAEWARD_PLAIN_PROGRESS"] = "1"  # the kernel inherits it: text bars, not widgets
    notebook = jupytext.read(py)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    nbclient.NotebookClient(notebook, timeout=None, kernel_name="python3",
                            resources={"metadata": {"path": str(py.parent)}}).execute()
    target = (out_dir or py.parent) / (py.stem + ".ipynb")
    write_notebook(notebook, target)
    seconds = time.perf_counter() - start
    print(f"{py.relative_to(ROOT)}: executed in {seconds:.1f} s -> {target}")
    if record:
        record_time(py, seconds, load)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path)
    parser.add_argument("--output", type=Path, help="write the notebooks here instead")
    parser.add_argument("--stabilise", action="store_true",
                        help="rewrite the paired .ipynb files with stable cell ids and no "
                             "timestamps, outputs untouched, without executing anything")
    parser.add_argument("--no-record", action="store_true",
                        help="do not record the wall time in results/benchmarks/chapter-times.json")
    args = parser.parse_args()
    chapters = [p.resolve() for p in args.chapters] or sorted((ROOT / "chapters").glob("[0-9]*.py"))
    if args.stabilise:  # executes nothing, so the quick-mode guard below does not apply
        for py in chapters:
            write_notebook(jupytext.read(py.with_suffix(".ipynb")), py.with_suffix(".ipynb"))
            print(f"{py.with_suffix('.ipynb').relative_to(ROOT)}: stabilised")
        return 0
    if quick_mode() and args.output is None:
        parser.error("CAEWARD_QUICK is set: the committed notebooks hold full-mode outputs; "
                     "pass --output DIR to write quick-mode notebooks elsewhere")
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
    for py in chapters:
        execute(py, args.output, record=not args.no_record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
