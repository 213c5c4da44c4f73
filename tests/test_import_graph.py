"""The library's import structure: no module imports itself through others.

A cycle makes a module's import depend on which module was imported first
(``import caeward.number_of_clusters`` on its own once raised a circular
ImportError). Every import counts here, those inside functions too: a lazy import
only hides a cycle until the function runs.
"""

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(LIB).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((LIB / "caeward").rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The library's modules that ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import mod` imports the module pkg.mod; `from mod import name`, mod
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def test_no_import_cycle_in_the_library():
    assert cycles(graph()) == []


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_checker_reads_relative_imports(tmp_path):
    known = {"caeward", "caeward.cluster", "caeward.experiments", "caeward.experiments.trainings"}
    source = tmp_path / "runner.py"
    source.write_text("from .. import cluster as c\nfrom . import trainings\n\ndef f():\n    from ..cluster import x\n")
    assert imports_of("caeward.experiments.runner", source, known) == {"caeward.cluster",
                                                                       "caeward.experiments.trainings"}


# caeward.__main__ is the entry point of both layers: it dispatches to either's command line
@pytest.mark.parametrize("name", sorted(n for n in modules()
                                        if not n.startswith("caeward.experiments") and n != "caeward.__main__"))
def test_the_method_layer_never_imports_the_experiments(name):
    assert not {m for m in graph()[name] if m.startswith("caeward.experiments")}


@pytest.mark.parametrize("package", ["caeward", "caeward.experiments", "caeward.experiments.views"])
def test_every_module_is_in_its_layers_index(package):
    """A newcomer reads the package docstring to find the module for a job: each public
    module of the layer must be named there (``:mod:`` reference)."""
    import importlib

    index = importlib.import_module(package).__doc__
    folder = LIB / package.replace(".", "/")
    names = [p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")]
    missing = [n for n in names if f"{package}.{n}`" not in index]
    assert not missing, f"{package}'s docstring does not name {missing}"
