"""Test configuration: everything under pytest runs in quick mode, and writes nothing
into the repository or the user's cache.

Set here, before any notebook kernel starts, so that nbmake's kernels inherit it:

- ``CAEWARD_QUICK=1``: the quick budget (the same code on less data);
- ``CAEWARD_RESULTS``: a copy of the committed ``results/`` in a temporary folder, so
  the chapters read what the book ships and write their quick runs beside it, never
  into the working tree;
- ``CAEWARD_CACHE``: a temporary cache of trainings, shared by the test workers of one
  run (pytest-xdist's workers are children of the process that runs the tests) and
  removed when the run ends.

A test that needs other folders still sets them itself (``monkeypatch.setenv``). The
MNIST files (``CAEWARD_DATA``) are a verified download cache, not results, and stay
where they are.
"""
import os
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock

os.environ["CAEWARD_QUICK"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
# one numba thread, as `make test` sets: the threads UMAP's numba kernels leave spinning
# made a CAE training after them 15 times slower while the other worker was busy
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

_REPO = Path(__file__).resolve().parent
# One folder per test run: named after the run's main process, which an xdist
# worker's parent is
_OWNER = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
_SANDBOX = Path(tempfile.gettempdir()) / f"caeward-tests-{_OWNER}"


def _sandbox() -> None:
    if "CAEWARD_TEST_SANDBOX" in os.environ:  # a nested pytest (a test that runs pytest)
        return
    _SANDBOX.mkdir(parents=True, exist_ok=True)
    with FileLock(str(_SANDBOX) + ".lock"):
        results = _SANDBOX / "results"
        if not results.exists():
            copy = _SANDBOX / "results.part"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(_REPO / "results", copy, ignore=shutil.ignore_patterns(
                "quick", "quick-bf16", "*-quick*.json", "quick*.json", "*.lock"))
            copy.rename(results)
    os.environ["CAEWARD_RESULTS"] = str(_SANDBOX / "results")
    os.environ["CAEWARD_CACHE"] = str(_SANDBOX / "cache")
    os.environ["CAEWARD_TEST_SANDBOX"] = str(_SANDBOX)


def pytest_sessionfinish(session, exitstatus):
    # the run's main process (not a worker) removes the folder once every worker is done
    if os.environ.get("PYTEST_XDIST_WORKER") is None and _SANDBOX.exists():
        shutil.rmtree(_SANDBOX, ignore_errors=True)
        Path(str(_SANDBOX) + ".lock").unlink(missing_ok=True)


_sandbox()


# The test files and notebooks that take longest, longest first (from `make test`'s
# `--durations`). `make test` hands whole files to its two workers in collection order,
# topping a worker up as its queue runs low: started first, the long ones run beside the
# short ones instead of leaving one worker alone with them at the end. A stale list
# costs only time.
_LONGEST_FIRST = ("chapters/08_", "chapters/07_", "intro.ipynb", "tests/test_any_state.py",
                  "tests/test_campaign.py", "chapters/05_", "chapters/06_", "tests/test_reliability.py",
                  "chapters/04_", "appendix/how_the_numbers", "tests/test_runner.py", "chapters/02_",
                  "chapters/01_", "tests/test_estimator.py")


def _rank(item) -> int:
    try:
        path = Path(item.path).resolve().relative_to(_REPO).as_posix()
    except ValueError:  # outside the repository: after the listed ones
        return len(_LONGEST_FIRST)
    return next((i for i, start in enumerate(_LONGEST_FIRST) if path.startswith(start)), len(_LONGEST_FIRST))


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_rank)  # stable: the rest keep pytest's order
