"""Load or compute from any state: a chapter runs whatever is stored.

A reader's machine may hold quick results but an emptied cache (after a clean-up, or
``CAEWARD_CACHE`` pointed elsewhere), or a cache without results, or neither. Chapter 6
once failed in the second state (``max() arg is an empty sequence``): it found its
results stored, skipped the run that would have trained what its figure reads. Here it
runs, in quick mode, through the states in turn: neither, results without the cache,
and the cache without results (both at once is every second run of the tests).
"""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "06_beyond_the_paper.ipynb"


def _execute(path: Path, monkeypatch, results: Path, cache: Path) -> None:
    monkeypatch.setenv("CAEWARD_RESULTS", str(results))
    monkeypatch.setenv("CAEWARD_CACHE", str(cache))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


def test_chapter_6_runs_from_every_state_of_results_and_cache(tmp_path, monkeypatch):
    results, cache = tmp_path / "results", tmp_path / "cache"
    shutil.copytree(ROOT / "results" / "codes", results / "codes")  # as a clone ships them
    _execute(CHAPTER, monkeypatch, results, cache)  # neither: computes both
    quick = results / "quick"
    assert any(quick.rglob("seed*.json")) and any(cache.iterdir())

    shutil.rmtree(cache)  # results without the cache
    _execute(CHAPTER, monkeypatch, results, cache)
    assert any(cache.glob("cae-*"))

    shutil.rmtree(quick)  # the cache without results
    _execute(CHAPTER, monkeypatch, results, cache)
    assert any(quick.rglob("seed*.json"))
