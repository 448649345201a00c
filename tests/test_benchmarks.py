"""The benchmarks measure what the lessons run: lesson 06's settings are the notebook's, not a copy that drifts."""

import ast
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _notebook_assignment(notebook, name):
    """The value of the first top-level ``name = <literal dict>`` in a code cell (``np.log(x)`` allowed)."""
    for cell in json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == [name]:
                return eval(compile(ast.Expression(node.value), notebook, "eval"), {"np": np})
    raise AssertionError(f"{notebook} assigns no {name}")


def test_lesson_06_benchmark_uses_the_notebook_s_settings():
    from benchmarks import bench_mixture_vae

    notebook = _notebook_assignment("06_mixture_prior_vae.ipynb", "GRAPH_VADE")
    assert notebook == bench_mixture_vae.GRAPH_VADE
    assert notebook["n_init"] == bench_mixture_vae.N_INIT  # the baselines get the same restarts
