"""Import a script from ``tools/`` as a module, so tests can call its functions.

The scripts are not a package (they are run as ``python tools/NAME.py``), so
tests load them by path.
"""
import importlib.util
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_tool(name):
    """Return ``tools/<name>.py`` imported as a module called ``name``."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_result(**fields):
    """A :class:`caeward.experiments.Result` with plausible defaults, for tests of
    what is computed from results (tables, cost), without running anything."""
    from caeward.experiments.results import Result

    base = dict(method="cae-ward", label="CAE + hierarchical", dataset="mnist-test", seed=0, budget="full",
                n_samples=10_000, metrics={"acc": 0.8, "nmi": 0.7, "nmi_geometric": 0.7, "ari": 0.6},
                n_clusters_found=10, timings={}, details={}, device="cpu", device_name="test CPU",
                versions={}, commit=None, dirty=None, config={"method": {}}, created="2026-01-01T00:00:00+00:00")
    return Result(**{**base, **fields})
