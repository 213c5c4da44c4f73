"""The book's ledger: which runs each chapter reads, where and when they were made,
what they cost, and the raw benchmark tables.

Shown in the appendix *How the numbers were made*, so that the chapters can state
findings and leave the bookkeeping here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..registry import ABLATION_METHODS, TABLE1_METHODS, UMAP_METHODS

__all__ = ["RUN_GROUPS", "provenance_frame", "stage_costs", "STAGE_COLUMNS", "benchmark_frames",
           "chapter_times", "CHAPTER_TIMES", "fit_report"]

_LINKAGES = ["proposed-single", "proposed-complete", "proposed-average"]
_ABLATION = [m for m in ABLATION_METHODS if m not in _LINKAGES]

#: What each chapter reads: ``group name -> (methods, datasets, seeds)``; the
#: registry's METHOD_GROUPS, with the data sets and seeds each chapter shows.
RUN_GROUPS = {
    "Table 1 (chapter 4)": (list(TABLE1_METHODS), ["mnist-full", "mnist-test"], [0, 1, 2, 3, 4]),
    "Table 1, the rows its claims read, seeds 5-9 (chapter 4)": (
        ["proposed-ward", "proposed-kmeans", "cae-ward", "cae-kmeans", "cae-idec"], ["mnist-test"],
        [5, 6, 7, 8, 9]),
    "ablation variants (chapter 5)": (_ABLATION, ["mnist-full"], [0, 1]),
    "linkages (chapter 5)": (_LINKAGES, ["mnist-test"], [0, 1, 2, 3, 4]),
    "a manifold step (chapter 6)": (list(UMAP_METHODS), ["mnist-full", "mnist-test"], [0, 1, 2, 3, 4]),
}


def provenance_frame(results):
    """Per method and data set: the seeds stored, the devices and the commits they
    ran on, and whether any ran with uncommitted changes.

    Returns
    -------
    pandas.DataFrame
        Columns ``method``, ``data set``, ``seeds``, ``device``, ``commits``, ``dirty``.
    """
    import pandas as pd

    frame = pd.DataFrame([{"method": r.method, "data set": r.dataset, "seed": r.seed,
                           "device": r.device_name, "commit": (r.commit or "?")[:7],
                           "dirty": bool(r.dirty)} for r in results])
    if frame.empty:
        return frame
    return (frame.groupby(["method", "data set"], sort=False)
            .agg(seeds=("seed", lambda s: " ".join(map(str, sorted(s)))),
                 device=("device", lambda d: ", ".join(sorted(set(d)))),
                 commits=("commit", lambda c: " ".join(sorted(set(c)))),
                 dirty=("dirty", "any"))
            .reset_index())


STAGE_COLUMNS = {"pretrain s": "pretrain_s", "self-train s": "selftrain_s",
                 "manifold s": "manifold_s", "cluster s": "cluster_s"}
""":func:`stage_costs`'s columns of seconds, by the timing of a result file each reads."""


def stage_costs(results, dataset: str):
    """Median wall time of each stage over the stored seeds of one data set, in
    seconds, per method and device.

    Each stage is its own time, whichever process ran it: ``pretrain s`` is the
    training's, summed over the processes that made it when it was interrupted and
    resumed, and the same in every row that reuses that training (k-means and Ward on
    one autoencoder, DEC on the SAE's); ``manifold s`` likewise. ``all stages s`` is,
    per run, the sum of its stages: what the run costs made from scratch. The result
    files' ``total_s`` is not shown: it is the wall time of the one process that
    finished the run, which may have reused a stored training or resumed an
    interrupted one, so it can be smaller than the training it reads. Medians are
    taken column by column, so a row's stages need not add up to its
    ``all stages s``.

    Returns
    -------
    pandas.DataFrame
        Columns ``method``, ``device``, ``runs``, then :data:`STAGE_COLUMNS` and ``all
        stages s`` (NaN where no run has the stage).
    """
    import pandas as pd

    frame = pd.DataFrame([{"method": r.method, "device": r.device_name,
                           **{name: r.timings.get(key, np.nan) for name, key in STAGE_COLUMNS.items()}}
                          for r in results if r.dataset == dataset])
    if frame.empty:
        return frame
    frame["all stages s"] = frame[list(STAGE_COLUMNS)].sum(axis=1, min_count=1)
    grouped = frame.groupby(["method", "device"], sort=False)
    out = grouped.median().round(1)
    out.insert(0, "runs", grouped.size())
    return out.reset_index()


def fit_report(text: str, width: int = 88) -> str:
    """The runner's report of missing runs (``run_many(missing="report")``) fitted to
    the page: a sentence past ``width`` wrapped, a command past it continued on the
    next line after a backslash (between options), as a shell reads it."""
    import textwrap

    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        if not line.lstrip().startswith("python "):
            out.extend(textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent))
            continue
        chunks = []  # an option with its values stays on one line
        for word in line.split():
            if word.startswith("--") or not chunks:
                chunks.append(word)
            else:
                chunks[-1] += " " + word
        current = indent
        for chunk in chunks:
            if len(current) + len(chunk) + 3 > width and current.strip():
                out.append(current + " \\")
                current = indent + "    "
            current += ("" if not current.strip() else " ") + chunk
        out.append(current)
    return "\n".join(out)


def benchmark_frames(folder: Path):
    """Every benchmark result in ``folder`` as ``(title, frame)``: its rows, with list
    values (per-epoch series) left out and numbers rounded.

    The title names the benchmark, the device it ran on and the commit.
    """
    import pandas as pd

    out = []
    for path in sorted(Path(folder).glob("*.json")):
        if path.name == CHAPTER_TIMES:  # the appendix's table of rerun times shows it
            continue
        record = json.loads(path.read_text())
        rows = [{k: v for k, v in row.items() if not isinstance(v, (list, dict))}
                for row in record.get("rows", [])]
        if not rows:
            continue
        title = (f"{path.name}: {record.get('benchmark') or record.get('check') or record.get('what') or path.stem}, "
                 f"{record.get('device_name', '?')}, commit {(record.get('commit') or '?')[:7]}")
        out.append((title, pd.DataFrame(rows).round(3)))
    return out


CHAPTER_TIMES = "chapter-times.json"
"""The file, among the benchmarks, of ``tools/execute_chapters.py``'s wall times."""


def chapter_times(folder: Path, notebooks) -> "pd.DataFrame":
    """How long each notebook takes to rerun, quick and full mode, as measured by
    ``tools/execute_chapters.py`` (``chapter-times.json`` in ``folder``).

    Parameters
    ----------
    folder : Path
        The benchmarks folder.
    notebooks : sequence of str
        The notebooks' sources, relative to the repository (``chapters/01_the_problem.py``),
        in the order shown; those never timed say so.

    Returns
    -------
    pandas.DataFrame
        Columns ``notebook``, ``quick (min)``, ``full (min)`` (text: minutes to one
        decimal, or ``not measured``), ``load at start`` (the machine's load average
        when each run started, quick / full: above the number of cores, other work
        shared the machine), ``machine`` and ``measured`` (the dates).
    """
    import pandas as pd

    path = Path(folder) / CHAPTER_TIMES
    rows = json.loads(path.read_text())["rows"] if path.exists() else []
    found = {(r["notebook"], r["mode"]): r for r in rows}
    out = []
    for name in notebooks:
        row = {"notebook": name}
        machines, dates, loads = set(), set(), []
        for mode in ("quick", "full"):
            r = found.get((name, mode))
            row[f"{mode} (min)"] = "not measured" if r is None else f"{r['seconds'] / 60:.1f}"
            loads.append("?" if r is None or r.get("load_at_start") is None else f"{r['load_at_start']:.1f}")
            if r is not None:
                machines.add(f"{r['device_name']}, {r['cpu_count']} cores")
                dates.add(r["created"][:10])
        row["load at start"] = " / ".join(loads)
        row["machine"] = "; ".join(sorted(machines)) or "–"
        row["measured"] = " and ".join(sorted(dates)) or "–"
        out.append(row)
    return pd.DataFrame(out)
