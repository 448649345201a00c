import ast
import subprocess
import sys
import types
from pathlib import Path

import pytest

import aegmm_lessons

# Lessons 01 and 03 run EM and BFGS with these modules and never load TensorFlow.
NUMPY_MODULES = ("params", "validation", "gmm", "refine", "data", "repro", "experiments", "automl", "plotting",
                 "widgets", "dask_search")


def test_importing_the_package_and_its_numpy_modules_does_not_load_tensorflow():
    code = (
        "import importlib, sys\n"
        f"for name in {NUMPY_MODULES!r}:\n"
        "    importlib.import_module('aegmm_lessons.' + name)\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"


def test_the_package_holds_modules_only_so_each_public_name_has_one_import_path():
    from aegmm_lessons.params import GMMParams  # noqa: F401  (the one path)

    names = {name: value for name, value in vars(aegmm_lessons).items() if not name.startswith("__")}
    assert names and all(isinstance(value, types.ModuleType) for value in names.values()), names


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="nothing_here"):
        _ = aegmm_lessons.nothing_here


# --- how the modules import each other ---------------------------------------------------------

PACKAGE = Path(aegmm_lessons.__file__).parent
MODULES = sorted(path for path in PACKAGE.rglob("*.py"))
# joblib's dask backend scatters large arguments with no public way to stop it; dask_search's docstring says why
# it subclasses the private classes, and pyproject.toml pins joblib.
ALLOWED_PRIVATE = {("dask_search.py", "joblib._dask")}


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """(module imported, names imported, line) of every import in ``path``, those inside functions too."""
    package = _module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            yield module, [alias.name for alias in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno


def _package_graph():
    names = {_module_name(path) for path in MODULES}
    graph = {}
    for path in MODULES:
        targets = set()
        for module, imported, _ in _imports(path):
            targets |= {f"{module}.{name}" for name in imported if f"{module}.{name}" in names}
            if module in names and not any(f"{module}.{name}" in names for name in imported):
                targets.add(module)
        graph[_module_name(path)] = targets - {_module_name(path), "aegmm_lessons"}
    return graph


def _cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*trail[trail.index(target):], target]
            if target not in state and (found := visit(target, [*trail, target])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_among_the_package_modules_counting_imports_inside_functions():
    graph = _package_graph()
    assert graph["aegmm_lessons.gmm"] >= {"aegmm_lessons.params", "aegmm_lessons.validation"}  # the graph is read
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_no_module_imports_a_private_name_of_another_module_or_library():
    found = []
    for path in MODULES:
        for module, imported, line in _imports(path):
            private_module = any(part.startswith("_") and not part.startswith("__") for part in module.split("."))
            private_names = [name for name in imported if name.startswith("_") and not name.startswith("__")]
            if (private_module or private_names) and (path.name, module) not in ALLOWED_PRIVATE:
                found.append(f"{path.relative_to(PACKAGE)}:{line} from {module} import {', '.join(imported)}")
    assert found == []
