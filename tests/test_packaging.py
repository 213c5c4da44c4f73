"""The package declares what its method layer imports.

``pip install caeward`` installs only ``pyproject.toml``'s dependencies, so a
third-party module imported by :mod:`caeward` (outside ``caeward.experiments``, the
book's machinery, which the full ``requirements.txt`` serves) must be declared there,
or the folder command fails on a user's machine that the book's environment hides.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the package itself needs 3.10

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "lib" / "caeward"
# import name -> distribution name, where they differ
DISTRIBUTION = {"PIL": "pillow", "sklearn": "scikit-learn", "skimage": "scikit-image", "umap": "umap-learn",
                "yaml": "pyyaml"}


def _third_party_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names
            if n not in sys.stdlib_module_names and n not in {"caeward", "__future__"}}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return {re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower() for spec in specs}


def test_every_method_layer_import_is_declared():
    declared = _declared()
    missing = {}
    for path in LIBRARY.glob("*.py"):
        for name in _third_party_imports(path):
            if DISTRIBUTION.get(name, name).lower() not in declared:
                missing.setdefault(name, []).append(path.name)
    assert not missing, f"imported by caeward but not in pyproject.toml: {missing}"


def test_the_check_sees_an_undeclared_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import numpy\nfrom PIL import Image\nimport json\nfrom . import x\n")
    assert _third_party_imports(module) == {"numpy", "PIL"}
