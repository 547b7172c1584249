"""The direction of imports: the model is pure numerics, the app starts without heavy modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.processes import run_python

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hhtui"
PURE_MODULES = sorted(PACKAGE.joinpath("model").rglob("*.py")) + [PACKAGE / "experiments.py"]

#: Top-level packages of the interface, which the model never imports.
INTERFACE_PACKAGES = {"textual", "rich", "plotext"}
#: hhtui's own interface and file layers (a name and everything below it).
INTERFACE_MODULES = ("hhtui.tui", "hhtui.cli", "hhtui.export")


def _module_name(path: Path, root: Path) -> str:
    """``hhtui/model/cable.py`` -> ``hhtui.model.cable`` (a package's ``__init__.py`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, path: Path, root: Path) -> list[str]:
    """The absolute names a ``from ... import ...`` statement may load, relative levels resolved:
    ``from ..tui import app`` in ``hhtui/model/x.py`` gives ``hhtui.tui`` and ``hhtui.tui.app``."""
    if node.level == 0:
        base = node.module or ""
    else:
        package = _module_name(path, root).split(".")
        if path.name != "__init__.py":
            package.pop()  # a module's relative imports start from its package
        if node.level - 1 > len(package):
            return [f"<beyond the top package: level {node.level} in {path.name}>"]
        base_parts = package[: len(package) - (node.level - 1)]
        if node.module:
            base_parts += node.module.split(".")
        base = ".".join(base_parts)
    # ``from X import Y``: Y may be a submodule of X.
    return [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]


def _dynamic_imports(node: ast.Call) -> list[str]:
    """Module names given as literal strings to ``importlib.import_module`` or ``__import__``."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in {"import_module", "__import__"} or not node.args:
        return []
    first = node.args[0]
    return [first.value] if isinstance(first, ast.Constant) and isinstance(first.value, str) else []


def imported_names(path: Path, root: Path = ROOT) -> set[str]:
    """Every module name ``path`` imports, absolute, relative (resolved against ``root``) or by a
    literal name given to ``importlib.import_module``, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(_resolve(node, path, root))
        elif isinstance(node, ast.Call):
            names.update(_dynamic_imports(node))
    return names


def interface_imports(path: Path, root: Path = ROOT) -> list[str]:
    """The names ``path`` imports that belong to the interface (Textual, Rich, plotext, the app,
    the command line, the exporter)."""
    return sorted(
        name
        for name in imported_names(path, root)
        if name.split(".")[0] in INTERFACE_PACKAGES
        or any(name == banned or name.startswith(banned + ".") for banned in INTERFACE_MODULES)
    )


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_model_modules_import_no_interface_and_touch_no_files(path: Path) -> None:
    assert not interface_imports(path), f"{path.relative_to(ROOT)} imports the interface"
    calls = [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"
    ]
    assert not calls, f"{path.name} opens files; file I/O belongs in hhtui.export"


def test_the_model_modules_are_all_checked() -> None:
    # The list above is found on disk, so a new model module (or subpackage) is checked too.
    names = {p.name for p in PURE_MODULES}
    assert {"__init__.py", "simulation.py", "cable.py", "network.py", "experiments.py"} <= names


@pytest.mark.parametrize(
    "where, statement, expected",
    [
        ("model/bad.py", "import textual.widgets", "textual.widgets"),
        ("model/bad.py", "from rich.text import Text", "rich.text"),
        ("model/bad.py", "import hhtui.tui.app", "hhtui.tui.app"),
        ("model/bad.py", "from hhtui.cli import main", "hhtui.cli"),
        ("model/bad.py", "from ..tui import app", "hhtui.tui"),
        ("model/bad.py", "from ..tui.widgets.plot import TracePlot", "hhtui.tui.widgets.plot"),
        ("model/bad.py", "from .. import cli", "hhtui.cli"),
        ("model/bad.py", "from .. import export", "hhtui.export"),
        ("model/sub/deep.py", "from ...tui import app", "hhtui.tui"),
        ("model/__init__.py", "from ..cli import main", "hhtui.cli"),
        ("model/bad.py", "def later():\n    from ..tui.app import HHApp\n", "hhtui.tui.app"),
        ("model/bad.py", "import importlib\nimportlib.import_module('hhtui.tui.app')", "hhtui.tui.app"),
    ],
)
def test_the_import_check_finds_every_form_of_a_forbidden_import(
    tmp_path: Path, where: str, statement: str, expected: str
) -> None:
    # A model module with one forbidden import, written in each way Python allows: the check names it.
    module = tmp_path / "hhtui" / where
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(f"from __future__ import annotations\n\nimport numpy as np\n{statement}\n", encoding="utf-8")
    assert expected in interface_imports(module, tmp_path)


@pytest.mark.parametrize(
    "statement",
    [
        "from .simulation import Simulation",
        "from . import channels",
        "from ..model.errors import ParameterError",
        "from ..numformat import quoted",
        "import numpy as np",
        "from textualise import nothing",
    ],
)
def test_the_import_check_lets_the_model_import_itself_and_numerics(tmp_path: Path, statement: str) -> None:
    module = tmp_path / "hhtui" / "model" / "good.py"
    module.parent.mkdir(parents=True)
    module.write_text(f"{statement}\n", encoding="utf-8")
    assert interface_imports(module, tmp_path) == []


def _modules_after(statement: str) -> set[str]:
    result = run_python("-c", f"import sys; {statement}; print(' '.join(sorted(sys.modules)))")
    assert result.returncode == 0, result.stderr
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
