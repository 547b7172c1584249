"""Installing, re-installing and uninstalling in a fresh virtual environment.

The sequence a new user follows: a plain install, a headless run that compiles and caches the
kernels, an editable install over it, a run from another directory, a plain install again, and an
uninstall that must leave nothing named hhtui in site-packages. Compiled kernels once lived in the
installed package's ``__pycache__``: pip left them behind, and the left-over directory was then
imported as an empty namespace package ahead of the editable install. The plain install compiles
the kernels into the user cache; the editable one, of the same sources, links what it compiled.

Nothing is downloaded: the new environment sees the dependencies of the running one through a
``.pth`` file (hhtui itself excluded) and builds the package with the running environment's
setuptools. The sources are copied first, so the build writes nothing into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import hhtui

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 900  # per command: generous, for a loaded machine compiling every kernel
RUN = ["run", "--stim", "pulse", "--t-stop", "15", "-o", "out.csv"]


def _setuptools_builds_offline() -> bool:
    """Whether the running environment's setuptools builds wheels, editable ones included, alone."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return False
    try:
        major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    if (major, minor) >= (70, 1):  # bdist_wheel is part of setuptools from 70.1 on
        return True
    try:
        version("wheel")
    except PackageNotFoundError:
        return False
    return major >= 64


def _copy_sources(destination: Path) -> Path:
    """A copy of what the build needs (no caches, no build leftovers)."""
    destination.mkdir()
    for name in os.listdir(REPO):
        if name.lower().startswith(("readme", "license", "licence", "pyproject", "setup.", "manifest")):
            shutil.copy2(REPO / name, destination / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", "*.egg-info", "build")
    shutil.copytree(REPO / "hhtui", destination / "hhtui", ignore=ignore)
    return destination


class Venv:
    """A fresh virtual environment that borrows the running one's dependencies (not hhtui)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "venv"
        result = subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(self.dir)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot create a virtual environment: {result.stderr.strip()[-500:]}")
        self.bin = self.dir / ("Scripts" if os.name == "nt" else "bin")
        self.python = self.bin / ("python.exe" if os.name == "nt" else "python")
        self.site_packages = Path(self._ask("import sysconfig; print(sysconfig.get_paths()['purelib'])"))
        self._borrow_dependencies()
        self.cache = root / "user-cache"

    def _ask(self, code: str) -> str:
        result = subprocess.run(
            [str(self.python), "-c", code],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=self.env(),
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def _borrow_dependencies(self) -> None:
        """Link every distribution of the running environment except hhtui into one directory on
        the new environment's path (a .pth line adds it; nothing is copied or downloaded)."""
        borrowed = self.root / "borrowed"
        borrowed.mkdir()
        sources = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        for source in sorted(sources):
            for entry in sorted(Path(source).iterdir()):
                name = entry.name.lower()
                if "hhtui" in name or name.startswith("__editable__") or name.endswith(".pth"):
                    continue
                target = borrowed / entry.name
                if not target.exists():
                    target.symlink_to(entry, target_is_directory=entry.is_dir())
        (self.site_packages / "zz_borrowed_dependencies.pth").write_text(f"{borrowed}\n")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "NUMBA_", "HHTUI_", "VIRTUAL_ENV"))}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.dir)
        env["PYTHONNOUSERSITE"] = "1"
        env["XDG_CACHE_HOME"] = str(self.root / "user-cache")
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env["PIP_NO_INPUT"] = "1"
        return env

    def run(self, *command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, env=self.env())

    def pip(self, *arguments: str) -> None:
        offline = ["--no-index", "--no-build-isolation"] if _setuptools_builds_offline() else []
        command = [str(self.python), "-m", "pip", *arguments[:1], "--no-cache-dir", *offline, *arguments[1:]]
        result = self.run(*command, cwd=self.root)
        assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"

    def uninstall(self) -> None:
        command = [str(self.python), "-m", "pip", "uninstall", "--yes", "hhtui"]
        result = self.run(*command, cwd=self.root)
        assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"

    def hhtui_run(self, where: Path) -> str:
        """``hhtui run`` from ``where`` (a directory of its own); returns the CSV written."""
        where.mkdir()
        result = self.run(str(self.bin / "hhtui"), *RUN, cwd=where)
        assert result.returncode == 0, f"hhtui {' '.join(RUN)} in {where}:\n{result.stderr[-3000:]}"
        return (where / "out.csv").read_text()

    def leftovers(self) -> list[str]:
        """What in site-packages is named after hhtui (files and directories, at any depth)."""
        return sorted(
            str(path.relative_to(self.site_packages))
            for path in self.site_packages.rglob("*")
            if "hhtui" in path.name.lower()
        )

    def kernel_files_in(self, directory: Path) -> list[Path]:
        """numba's cache files and the kernels' object files under ``directory``."""
        return [p for p in directory.rglob("*") if p.suffix in (".nbi", ".nbc", ".o")] if directory.exists() else []


def test_install_editable_reinstall_and_uninstall_leave_a_working_install_or_nothing(tmp_path: Path) -> None:
    if not (REPO / "pyproject.toml").is_file():
        pytest.skip("the tests do not run from a source checkout")
    venv = Venv(tmp_path)
    source = _copy_sources(tmp_path / "source")
    installed = venv.site_packages / "hhtui"

    venv.pip("install", str(source))
    first = venv.hhtui_run(tmp_path / "run-plain")

    venv.pip("install", "--editable", str(source))
    assert venv.hhtui_run(tmp_path / "run-editable") == first
    where = venv._ask("import hhtui.model; print(hhtui.model.__file__)")
    assert Path(where).resolve().is_relative_to(source.resolve()), where

    venv.pip("install", str(source))
    assert venv.hhtui_run(tmp_path / "run-plain-again") == first

    assert not venv.kernel_files_in(installed), "compiled kernels were written into the installed package"
    assert not venv.kernel_files_in(source), "compiled kernels were written into the source tree"
    assert venv.kernel_files_in(venv.cache / "hhtui" / hhtui.__version__), "no kernels in the user cache"

    venv.uninstall()
    assert venv.leftovers() == [], "pip uninstall left files behind"
