"""Kernels kept as object files: a later process runs them without numba, with the same numbers,
and a damaged or foreign file is never linked (the kernel is compiled again, quietly)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hhtui.model._jit import JIT_ENABLED
from hhtui.model._native import _seal, _unseal, elf_symbols, parse_args

needs_jit = pytest.mark.skipif(not JIT_ENABLED, reason="the kernels are not compiled (HHTUI_NO_JIT)")

# A run, a population and a formatted CSV block in a fresh process; prints what it computed, where
# the kernels came from, and whether numba was imported.
PROBE = r"""
import json, sys
import numpy as np
from hhtui.model import Membrane, Simulation, Step
from hhtui.model.integrators import integrate_blocks
from hhtui.numformat import _write, format_rows

one = Simulation(Membrane(), Step(amplitude=10.0, start=5.0)).advance(100.0)
many = Simulation(Membrane(), Step(amplitude=np.linspace(0.0, 50.0, 70), start=1.0))
spikes = many.advance(60.0, record=False)
text = format_rows(np.column_stack([one.t, one.V[0], one.m[0], one.I_Na[0]]))
print(json.dumps({
    "v": one.V[0].tolist(),
    "spike_time": one.spike_time.tolist(),
    "counts": many.spike_count.tolist(),
    "population_spikes": spikes.spike_time.tolist(),
    "csv_hash": hash(text),
    "origins": [integrate_blocks.origin, _write.origin],
    "numba": "numba" in sys.modules,
    "hhtui": __import__("hhtui").__file__,
}))
"""


def _probe(cache: Path, source: Path | None = None) -> dict:
    """PROBE in a new process with the kernel cache ``cache`` (and hhtui imported from the folder
    ``source``, if given)."""
    env = {**os.environ, "HHTUI_CACHE_DIR": str(cache), "PYTHONHASHSEED": "0"}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=600, check=False, cwd=source
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def _objects(cache: Path) -> list[Path]:
    return sorted(cache.rglob("native/*.o"))


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A kernel cache filled by a first process that compiled every kernel's C wrapper and saved
    its object file, and what that process computed (made once for the tests below: compiling
    takes seconds). Tests that change the cache work on a copy of it."""
    cache = tmp_path_factory.mktemp("native") / "cache"
    _seed_with_numbas_entries(cache)
    return cache, _probe(cache)


def _seed_with_numbas_entries(cache: Path) -> None:
    """Copy numba's own cache entries of these sources (no object file) from the user's kernel
    cache into ``cache``, where there are any: the first process then makes and saves every
    object file (origin "compiled") around kernels numba loads instead of compiling them anew,
    seconds of CPU time fewer. numba ignores an entry that does not match the sources or its
    version, and compiles that kernel as in an empty cache."""
    import hashlib

    import hhtui
    from hhtui.model._cache import kernel_cache_dir

    mine, theirs = kernel_cache_dir(), cache / hhtui.__version__
    if mine is None or not mine.is_dir():
        return
    package = Path(hhtui.__file__).resolve().parent
    for folder in [package, *(path for path in package.rglob("*") if path.is_dir())]:
        name = f"{folder.name}_{hashlib.sha1(str(folder).encode()).hexdigest()}"  # numba's naming
        if (mine / name).is_dir():
            ignore = shutil.ignore_patterns("*.o", "*.numba", "*.tmp")
            shutil.copytree(mine / name, theirs / name, ignore=ignore, dirs_exist_ok=True)


#: The tests sharing the compiled cache run in one pytest-xdist worker.
same_worker = pytest.mark.xdist_group("native-kernels")


@needs_jit
@same_worker
def test_a_later_process_runs_the_saved_object_code_without_numba_and_gets_the_same_numbers(
    compiled: tuple[Path, dict],
) -> None:
    cache, first = compiled
    assert first["origins"] == ["compiled", "compiled"]
    assert first["numba"]
    assert len(_objects(cache)) >= 3  # the population loop, the rate table, the formatter's two kernels
    later = _probe(cache)
    assert later["origins"] == ["object file", "object file"]
    assert not later["numba"]
    for key in ("v", "spike_time", "counts", "population_spikes", "csv_hash"):
        assert later[key] == first[key], key
    assert len(first["spike_time"]) >= 5 and sum(first["counts"]) > 0
    for path in _objects(cache):
        data = _unseal(path.read_bytes())
        assert data is not None
        symbols = elf_symbols(data)
        assert symbols is not None
        defined, undefined = symbols
        assert len([name for name in defined if name.startswith("cfunc.")]) == 1
        # nothing numba allocates or raises with its own libraries
        assert not [name for name in undefined if name.startswith("NRT_") and name != "NRT_MemInfo_call_dtor"]


@needs_jit
@same_worker
def test_another_install_of_the_same_sources_links_the_object_files_of_the_first(
    compiled: tuple[Path, dict], tmp_path: Path
) -> None:
    """The same sources in another folder (as a plain and an editable install of one checkout):
    nothing compiled, the same numbers, and a copy of each object file kept under the new
    folder's own name."""
    cache, first = tmp_path / "cache", compiled[1]
    shutil.copytree(compiled[0], cache)
    before = {path.name for path in _objects(cache)}
    import hhtui

    source = tmp_path / "elsewhere"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(Path(hhtui.__file__).parent, source / "hhtui", ignore=ignore)
    again = _probe(cache, source)
    assert Path(again["hhtui"]).is_relative_to(source)
    assert again["origins"] == ["object file", "object file"]
    assert not again["numba"]
    for key in ("v", "spike_time", "counts", "population_spikes", "csv_hash"):
        assert again[key] == first[key], key
    after = {path.name for path in _objects(cache)}
    copies = after - before
    assert before <= after and len(copies) >= 3
    # each copy is named like its original but for the source folder
    assert {name.split("-")[0] + name.split("-")[2] for name in copies} <= {
        name.split("-")[0] + name.split("-")[2] for name in before
    }


@needs_jit
@same_worker
@pytest.mark.slow
def test_a_damaged_object_file_is_compiled_again_with_the_same_numbers(
    compiled: tuple[Path, dict], tmp_path: Path
) -> None:
    cache, first = tmp_path / "cache", compiled[1]
    shutil.copytree(compiled[0], cache)
    # The two kernels whose origin the probe reports, damaged each in one way (the others are
    # left whole: compiling them again would prove nothing more and cost seconds).
    (loop,) = [path for path in _objects(cache) if path.name.startswith("hhtui.model.integrators._integrate_blocks-")]
    (writer,) = [path for path in _objects(cache) if path.name.startswith("hhtui.numformat._write-")]
    data = bytearray(loop.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the code
    loop.write_bytes(bytes(data))
    writer.write_bytes(writer.read_bytes()[: writer.stat().st_size // 3])  # cut short
    again = _probe(cache)
    assert again["origins"] == ["compiled", "compiled"]
    for key in ("v", "spike_time", "counts", "population_spikes", "csv_hash"):
        assert again[key] == first[key], key
    assert _probe(cache)["origins"] == ["object file", "object file"]  # and saved whole again


def test_a_sealed_object_opens_only_when_whole() -> None:
    data = bytes(range(256)) * 4
    sealed = _seal(data)
    assert _unseal(sealed) == data
    assert _unseal(sealed[:-1]) is None
    assert _unseal(sealed[1:]) is None
    flipped = bytearray(sealed)
    flipped[10] ^= 1
    assert _unseal(bytes(flipped)) is None
    assert _unseal(b"") is None


def test_only_64_bit_elf_objects_are_read() -> None:
    assert elf_symbols(b"") is None
    assert elf_symbols(b"\x7fELF\x01\x01" + bytes(100)) is None  # 32-bit
    assert elf_symbols(b"MZ" + bytes(200)) is None


def test_argument_notation() -> None:
    assert parse_args("i8 f8[:, :] u1[:] f8") == [("i8", 0), ("f8", 2), ("u1", 1), ("f8", 0)]
    with pytest.raises(ValueError):
        parse_args("f4[:]")


@needs_jit
def test_an_array_of_the_wrong_kind_is_refused_not_misread() -> None:
    from hhtui.model.channels import rate_table

    table = rate_table(np.array([-65.0, 0.0]))  # converts for itself
    assert np.all(np.isfinite(table["alpha_m"]))
    from hhtui.model.channels import _rate_table

    with pytest.raises(TypeError):
        _rate_table(np.array([-65.0, 0.0], dtype=np.float32), 1.0, np.empty((6, 2)))
    with pytest.raises(TypeError):
        _rate_table(np.array([[-65.0, 0.0]]), 1.0, np.empty((6, 2)))


def _total(values: np.ndarray, out: np.ndarray) -> None:
    total = 0.0
    for value in values:
        total += value
    out[0] = total


@needs_jit
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="object files are linked by hand on Linux only")
def test_object_code_that_cannot_be_linked_here_leaves_the_kernel_to_numba(monkeypatch, tmp_path) -> None:
    from hhtui.model import _native
    from hhtui.model._jit import entry

    monkeypatch.setenv("HHTUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_native, "_resolvable", lambda name: False)  # as if a symbol were unknown here
    out = np.zeros(1)
    first = entry(_total, "f8[:] f8[:]")
    first(np.arange(5.0), out)
    assert out[0] == 10.0 and first.origin == "compiled"  # type: ignore[attr-defined]
    assert not _objects(tmp_path / "cache")
    assert list((tmp_path / "cache").rglob("native/*.numba"))
    later = entry(_total, "f8[:] f8[:]")  # as in a later process
    later(np.arange(4.0), out)
    assert out[0] == 6.0 and later.origin == "numba"  # type: ignore[attr-defined]


@needs_jit
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="object files are linked by hand on Linux only")
def test_a_changed_source_replaces_its_old_object_file(monkeypatch, tmp_path) -> None:
    from hhtui.model import _native
    from hhtui.model._jit import entry

    monkeypatch.setenv("HHTUI_CACHE_DIR", str(tmp_path / "cache"))
    out = np.zeros(1)
    entry(_total, "f8[:] f8[:]")(np.arange(3.0), out)
    (old,) = _objects(tmp_path / "cache")
    monkeypatch.setattr(_native, "_source_key", lambda entry: "0" * 24)  # as after an edit or an upgrade
    entry(_total, "f8[:] f8[:]")(np.arange(3.0), out)
    (new,) = _objects(tmp_path / "cache")
    assert new != old and new.name.endswith("-" + "0" * 24 + ".o") and out[0] == 3.0
