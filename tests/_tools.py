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
