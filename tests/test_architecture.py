"""The direction of imports: the model is pure numerics, the app starts without heavy modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hhtui"
PURE_MODULES = sorted(PACKAGE.joinpath("model").glob("*.py")) + [PACKAGE / "experiments.py"]


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: p.name)
def test_model_modules_import_no_interface_and_touch_no_files(path: Path) -> None:
    names = _imported_names(path)
    assert not {n for n in names if n.split(".")[0] in {"textual", "rich", "plotext"}}
    assert not {n for n in names if n.startswith("hhtui.tui") or n.startswith("hhtui.cli") or n == "hhtui.export"}
    calls = [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"
    ]
    assert not calls, f"{path.name} opens files; file I/O belongs in hhtui.export"


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return set(result.stdout.split())


def test_the_model_loads_without_textual_or_scipy_solvers() -> None:
    loaded = _modules_after(
        "import hhtui.model, hhtui.model.analysis, hhtui.model.cable, hhtui.model.network, "
        "hhtui.model.teaching, hhtui.experiments"
    )
    assert not {m for m in loaded if m.split(".")[0] == "textual"}
    assert not {"scipy.integrate", "scipy.optimize"} & loaded


def test_the_app_module_starts_light() -> None:
    # Startup over SSH must be quick: importing the app pulls in neither numba nor scipy nor the model's
    # kernels (they load in a worker once the first frame is drawn).
    loaded = _modules_after("import hhtui.tui.app")
    assert not {m for m in loaded if m.split(".")[0] in {"scipy", "numba"}}
    assert "hhtui.model.simulation" not in loaded
