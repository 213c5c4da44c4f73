"""Load or compute from any state: a chapter runs whatever is stored.

A reader's machine may hold quick results but an emptied cache (after a clean-up, or
``CAEWARD_CACHE`` pointed elsewhere), or a cache without results, or neither. Chapter 6
once failed in the second state (``max() arg is an empty sequence``): it found its
results stored, skipped the run that would have trained what its figure reads. Here it
runs, in quick mode, through the states in turn: neither, results without the cache,
and the cache without results (both at once is every second run of the tests).

Each state is a fresh kernel running every cell of the chapter. What the states change
is what the chapter finds in ``results/`` and the cache, so that is left alone; what
they do not change is the UMAP of a given array of codes with a given seed and
settings, which is a pure function (one thread, every random number from the seed:
:func:`caeward.manifold.umap_embed`), and most of the chapter's time (numba's compile
and the fit, of the same codes in every state). So the kernels share a memo of it,
kept outside results and cache and keyed by the exact codes, seed and settings: an
embedding a state asks of other codes than before is computed, as it would be anyway.
The store's own UMAP cache (under ``CAEWARD_CACHE``) still finds, misses and writes
what it would: only the computation behind a miss is the memo's.
"""

import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "06_beyond_the_paper.ipynb"

# Run first in each kernel: every caller of umap_embed in the chapter (its own cells,
# through ``caeward.manifold``, and the store's cached embedding) goes through the memo.
_MEMO = '''
import functools as _functools, hashlib as _hashlib, json as _json, pathlib as _pathlib
import numpy as _np
import caeward.manifold as _manifold
import caeward.experiments.embedding_cache as _embedding_cache

_memo = _pathlib.Path({folder!r})
_memo.mkdir(parents=True, exist_ok=True)
_computed = _manifold.umap_embed


@_functools.wraps(_computed)
def _umap_embed(codes, seed, settings=_manifold.UMAPSettings()):
    exact = _np.ascontiguousarray(codes, dtype=_np.float32)
    about = _json.dumps([exact.shape, int(seed), settings.as_dict()], sort_keys=True)
    path = _memo / (_hashlib.sha256(exact.tobytes() + about.encode()).hexdigest() + ".npy")
    if path.exists():
        return _np.load(path)
    embedding = _computed(codes, seed, settings)
    _np.save(path, embedding)
    return embedding


_manifold.umap_embed = _embedding_cache.umap_embed = _umap_embed
'''


def _execute(path: Path, monkeypatch, results: Path, cache: Path, memo: Path) -> None:
    monkeypatch.setenv("CAEWARD_RESULTS", str(results))
    monkeypatch.setenv("CAEWARD_CACHE", str(cache))
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(_MEMO.format(folder=str(memo))))
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


def test_chapter_6_runs_from_every_state_of_results_and_cache(tmp_path, monkeypatch):
    results, cache, memo = tmp_path / "results", tmp_path / "cache", tmp_path / "umap-memo"
    shutil.copytree(ROOT / "results" / "codes", results / "codes")  # as a clone ships them
    _execute(CHAPTER, monkeypatch, results, cache, memo)  # neither: computes both
    quick = results / "quick"
    assert any(quick.rglob("seed*.json")) and any(cache.iterdir())
    assert any(memo.iterdir())  # the memo is in use (else the states below compute it all)

    shutil.rmtree(cache)  # results without the cache
    _execute(CHAPTER, monkeypatch, results, cache, memo)
    assert any(cache.glob("cae-*"))
    assert any((cache / "umap").glob("*.npy"))  # the store made its embedding again

    shutil.rmtree(quick)  # the cache without results
    _execute(CHAPTER, monkeypatch, results, cache, memo)
    assert any(quick.rglob("seed*.json"))
