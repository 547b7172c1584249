"""CSV and JSON sidecar files: round trips, atomic writes, and clear errors."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hhtui
from hhtui import export, files
from hhtui.export import (
    ExportError,
    check_writable_dir,
    read_csv,
    read_json,
    sidecar_path,
    timestamped_name,
    write_csv,
    write_json_atomic,
    write_run,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def recording(rows: int = 200) -> dict[str, np.ndarray]:
    t = np.arange(rows) * 0.025
    rng = np.random.default_rng(7)
    return {
        "t_ms": t,
        "V_mV": -65.0 + 40.0 * np.sin(t) + rng.standard_normal(rows) * 1e-3,
        "m": rng.uniform(0, 1, rows),
        "h": rng.uniform(0, 1, rows),
        "n": rng.uniform(0, 1, rows),
        "I_uA_cm2": np.where(t > 1.0, 10.0, 0.0),
        "I_Na_uA_cm2": rng.standard_normal(rows) * 1e3,
    }


def leftovers(directory: Path) -> list[str]:
    """Temporary files the writer may have left behind."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".hhtui-"))


def assert_10_digits(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=0)


# ---------------------------------------------------------------------------------- round trip


def test_round_trip_with_own_reader(tmp_path: Path) -> None:
    cols = recording()
    path = tmp_path / "run.csv"
    write_csv(path, cols)
    back = read_csv(path)
    assert list(back) == list(cols)
    for name in cols:
        assert back[name].dtype == np.float64
        assert_10_digits(back[name], cols[name])
    assert leftovers(tmp_path) == []


def test_round_trip_with_numpy_loadtxt(tmp_path: Path) -> None:
    cols = recording()
    path = tmp_path / "run.csv"
    write_csv(path, cols)
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    assert data.shape == (200, len(cols))
    for j, name in enumerate(cols):
        assert_10_digits(data[:, j], cols[name])


def test_round_trip_with_csv_module(tmp_path: Path) -> None:
    cols = recording(50)
    path = tmp_path / "run.csv"
    write_csv(str(path), cols)
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(cols)
    assert len(rows) == 51
    for j, name in enumerate(cols):
        assert_10_digits(np.array([float(r[j]) for r in rows[1:]]), cols[name])


def test_header_order_follows_the_mapping(tmp_path: Path) -> None:
    cols = {"z": np.ones(3), "a": np.zeros(3), "t_ms": np.arange(3.0)}
    path = tmp_path / "order.csv"
    write_csv(path, cols)
    assert path.read_text().splitlines()[0] == "z,a,t_ms"
    assert list(read_csv(path)) == ["z", "a", "t_ms"]


def test_plain_text_format(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    write_csv(path, {"t_ms": np.array([0.0, 0.01, 1e-12]), "V_mV": np.array([-65, 1234567.891, -0.5])})
    raw = path.read_bytes()
    assert raw == b"t_ms,V_mV\n0,-65\n0.01,1234567.891\n1e-12,-0.5\n"
    assert b"\r" not in raw and b"#" not in raw


def test_ten_significant_digits() -> None:
    out = io.StringIO()
    write_csv(None, {"x": np.array([np.pi, 1 / 3, 2.0**60])}, stream=out)
    assert out.getvalue().splitlines() == ["x", "3.141592654", "0.3333333333", "1.152921505e+18"]


def test_integer_and_bool_columns(tmp_path: Path) -> None:
    path = tmp_path / "ints.csv"
    write_csv(path, {"spike": np.array([True, False]), "count": np.array([3, 12], dtype=np.int32)})
    assert path.read_text() == "spike,count\n1,3\n0,12\n"


def test_zero_rows_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "empty-rows.csv"
    write_csv(path, {"t_ms": np.array([]), "V_mV": np.array([])})
    assert path.read_text() == "t_ms,V_mV\n"
    back = read_csv(path)
    assert list(back) == ["t_ms", "V_mV"]
    assert back["t_ms"].shape == (0,)


def test_more_rows_than_one_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "_CHUNK_ROWS", 7)
    cols = recording(100)
    path = tmp_path / "chunks.csv"
    write_csv(path, cols)
    lines = path.read_text().splitlines()
    assert len(lines) == 101
    assert_10_digits(read_csv(path)["V_mV"], cols["V_mV"])


def test_stdout_when_path_is_dash_or_none(capsys: pytest.CaptureFixture[str]) -> None:
    cols = {"t_ms": np.array([0.0, 0.5]), "V_mV": np.array([-65.0, -64.5])}
    write_csv("-", cols)
    write_csv(None, cols)
    assert capsys.readouterr().out == "t_ms,V_mV\n0,-65\n0.5,-64.5\n" * 2


def test_stream_argument(tmp_path: Path) -> None:
    out = io.StringIO()
    write_csv("-", {"a": np.array([1.5])}, stream=out)
    assert out.getvalue() == "a\n1.5\n"
    assert list(tmp_path.iterdir()) == []


def test_reader_accepts_spreadsheet_quirks(tmp_path: Path) -> None:
    path = tmp_path / "saved.csv"
    path.write_bytes(b'\xef\xbb\xbf"t_ms","V_mV"\r\n0,-65\r\n0.1, -64.9\r\n\r\n')
    back = read_csv(path)
    assert list(back) == ["t_ms", "V_mV"]
    np.testing.assert_array_equal(back["V_mV"], [-65.0, -64.9])


def test_new_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    path = tmp_path / "perm.csv"
    write_csv(path, {"a": np.ones(2)})
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "perm.csv"
    path.write_text("old\n")
    path.chmod(0o640)
    write_csv(path, {"a": np.ones(2)})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with pytest.raises(ExportError, match=r"link\.csv: it is a symbolic link .*--force"):
        write_csv(link, {"a": np.array([2.0])})
    assert link.is_symlink()
    assert real.read_text() == "old\n"


def test_symlink_with_force_is_replaced_not_followed(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_csv(link, {"a": np.array([2.0])}, force=True)
    assert not link.is_symlink()
    assert link.read_text() == "a\n2\n"
    assert real.read_text() == "old\n"


@settings(max_examples=60, deadline=None)
@given(
    data=st.integers(min_value=1, max_value=5).flatmap(
        lambda k: hnp.arrays(
            np.float64,
            st.tuples(st.integers(min_value=0, max_value=40), st.just(k)),
            elements=st.floats(min_value=-1e308, max_value=1e308, allow_nan=False, width=64),
        )
    )
)
def test_random_finite_columns_round_trip(data: np.ndarray) -> None:
    cols = {f"c{j}": data[:, j] for j in range(data.shape[1])}
    out = io.StringIO()
    write_csv(None, cols, stream=out)
    text = out.getvalue()
    lines = text.split("\n")
    header = lines[0].split(",")
    assert header == list(cols)
    got = np.array([[float(c) for c in line.split(",")] for line in lines[1:-1]]).reshape(data.shape)
    # %.10g rounds to 10 significant digits: relative error at most 5e-10 (subnormals aside).
    np.testing.assert_allclose(got, data, rtol=1e-9, atol=1e-300)
    assert np.isfinite(got).all()


@settings(max_examples=25, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(min_value=1, max_value=30),
        elements=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    )
)
def test_random_column_round_trips_through_a_file(tmp_path_factory, values: np.ndarray) -> None:
    path = tmp_path_factory.mktemp("prop") / "p.csv"
    write_csv(path, {"t_ms": np.arange(values.size, dtype=float), "V_mV": values})
    np.testing.assert_allclose(read_csv(path)["V_mV"], values, rtol=1e-9, atol=1e-300)


# ---------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused(tmp_path: Path, bad: float) -> None:
    path = tmp_path / "run.csv"
    with pytest.raises(ExportError, match="column V_mV has non-finite values"):
        write_csv(path, {"t_ms": np.arange(3.0), "V_mV": np.array([1.0, bad, 2.0])})
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_non_finite_refused_on_stdout_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        write_csv("-", {"a": np.array([np.nan])})
    assert capsys.readouterr().out == ""


def test_mismatched_lengths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same length.*t_ms has 3.*V_mV has 2"):
        write_csv(tmp_path / "run.csv", {"t_ms": np.arange(3.0), "V_mV": np.arange(2.0)})
    assert list(tmp_path.iterdir()) == []


def test_two_dimensional_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="column V_mV must be 1-D"):
        write_csv(tmp_path / "run.csv", {"V_mV": np.zeros((3, 2))})


@pytest.mark.parametrize(
    "cols, message",
    [
        ({}, "no columns"),
        ({"a,b": np.ones(1)}, "cannot be written"),
        ({"": np.ones(1)}, "non-empty"),
        ({"a": np.array(["x", "y"])}, "real numbers"),
        ({"a": np.array([1 + 2j])}, "real numbers"),
    ],
)
def test_other_bad_columns(cols, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        write_csv(None, cols, stream=io.StringIO())


def test_values_that_would_read_back_as_inf_are_refused() -> None:
    # 1.7976931348623157e308 rounds to 1.797693135e+308 at ten digits, which is beyond float range.
    big = np.finfo(np.float64).max
    with pytest.raises(ExportError, match="column x has values too large"):
        write_csv(None, {"x": np.array([0.0, -big])}, stream=io.StringIO())
    out = io.StringIO()
    write_csv(None, {"x": np.array([1.797693134e308])}, stream=out)
    assert np.isfinite(float(out.getvalue().split()[1]))


def test_export_error_is_a_value_error() -> None:
    assert issubclass(ExportError, ValueError)


# ---------------------------------------------------------------------------------- atomicity


def test_failed_rename_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.csv"
    path.write_text("t_ms,V_mV\n0,-65\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ExportError, match=r"cannot write .*run\.csv: disk full"):
        write_csv(path, recording())
    assert path.read_text() == "t_ms,V_mV\n0,-65\n"
    assert leftovers(tmp_path) == []


def test_failure_while_writing_rows_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.csv"
    path.write_text("old content\n")
    calls = {"n": 0}
    real = export._format_block

    def failing(block):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(block)

    monkeypatch.setattr(export, "_CHUNK_ROWS", 10)
    monkeypatch.setattr(export, "_format_block", failing)
    with pytest.raises(ExportError, match="disk full"):
        write_csv(path, recording(100))
    assert path.read_text() == "old content\n"
    assert leftovers(tmp_path) == []


def test_keyboard_interrupt_mid_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.csv"
    calls = {"n": 0}
    real = export._format_block

    def interrupted(block):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(block)

    monkeypatch.setattr(export, "_CHUNK_ROWS", 10)
    monkeypatch.setattr(export, "_format_block", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_csv(path, recording(100))
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.csv"
    write_csv(path, {"a": np.array([1.0])})

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_csv(path, {"a": np.array([2.0])})
    monkeypatch.undo()
    assert read_csv(path)["a"].tolist() == [1.0]
    assert leftovers(tmp_path) == []


def test_failed_fsync_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(ExportError, match="cannot write"):
        write_json_atomic(tmp_path / "x.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------- directories


def test_missing_directory(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "run.csv"
    with pytest.raises(ExportError, match=r"cannot write .*run\.csv: directory .*nope does not exist"):
        write_csv(target, recording())
    with pytest.raises(ExportError, match="does not exist"):
        check_writable_dir(target)


def test_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="is not a directory"):
        check_writable_dir(tmp_path / "file" / "run.csv")


def test_target_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is a directory"):
        write_csv(tmp_path, recording())


@pytest.mark.skipif(IS_ROOT, reason="root ignores directory permissions")
def test_read_only_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="permission denied"):
            check_writable_dir(locked / "run.csv")
        with pytest.raises(ExportError, match="permission denied"):
            write_csv(locked / "run.csv", recording())
        with pytest.raises(ExportError, match="permission denied"):
            write_run(locked / "run.csv", recording(), {})
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_permission_error_from_the_system_is_translated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    with pytest.raises(ExportError, match=r"cannot write .*run\.csv: permission denied"):
        write_csv(tmp_path / "run.csv", recording())


def test_writable_directory_passes(tmp_path: Path) -> None:
    check_writable_dir(tmp_path / "run.csv")


# ---------------------------------------------------------------------------------- reading errors


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"cannot read .*gone\.csv: file does not exist"):
        read_csv(tmp_path / "gone.csv")


def test_read_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ExportError, match=r"empty\.csv.*empty"):
        read_csv(path)


def test_read_bad_cell_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("t_ms,V_mV\n0,-65\n0.01,-64.9\n0.02,abc\n0.03,-64.7\n")
    with pytest.raises(ExportError, match=r"bad\.csv, line 4, column V_mV: not a number: 'abc'"):
        read_csv(path)


def test_read_short_row(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("t_ms,V_mV\n0,-65\n0.01\n")
    with pytest.raises(ExportError, match="line 3: expected 2 values, found 1"):
        read_csv(path)


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity"])
def test_read_refuses_non_finite(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "nan.csv"
    path.write_text(f"t_ms,V_mV\n0,-65\n0.01,{cell}\n")
    with pytest.raises(ExportError, match="line 3, column V_mV: not a finite number"):
        read_csv(path)


def test_read_comment_is_not_a_number(tmp_path: Path) -> None:
    path = tmp_path / "comment.csv"
    path.write_text("t_ms,V_mV\n# a comment\n0,-65\n")
    with pytest.raises(ExportError, match="line 2"):
        read_csv(path)


@pytest.mark.parametrize(
    "header, message",
    [
        ("1,2\n3,4\n", "expected column names, found numbers"),
        ("t_ms,,V_mV\n1,2,3\n", "empty column name"),
        ("a,a\n1,2\n", "column a appears twice"),
    ],
)
def test_read_bad_header(tmp_path: Path, header: str, message: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text(header)
    with pytest.raises(ExportError, match=rf"h\.csv, line 1: bad header: {message}"):
        read_csv(path)


def test_read_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00\x01\x80")
    with pytest.raises(ExportError, match="not a text file"):
        read_csv(path)


# ---------------------------------------------------------------------------------- JSON


def test_json_round_trip_keeps_key_order(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    data = {"zeta": 1, "alpha": [1.5, 2], "nested": {"b": "x", "a": None}, "flag": True, "µ": "uS"}
    write_json_atomic(path, data)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text.startswith('{\n  "zeta": 1,')
    assert read_json(path) == data
    assert list(read_json(path)) == ["zeta", "alpha", "nested", "flag", "µ"]


def test_json_accepts_numpy_values(tmp_path: Path) -> None:
    path = tmp_path / "np.json"
    write_json_atomic(path, {"g": np.float64(120.0), "n": np.int64(3), "v": np.array([1.0, 2.0])})
    assert read_json(path) == {"g": 120.0, "n": 3, "v": [1.0, 2.0]}


def test_json_refuses_nan_and_keeps_old_file(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    write_json_atomic(path, {"ok": 1})
    with pytest.raises(ExportError, match="cannot write"):
        write_json_atomic(path, {"bad": float("nan")})
    with pytest.raises(ExportError, match="cannot write"):
        write_json_atomic(path, {"bad": object()})
    assert read_json(path) == {"ok": 1}
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"a": NaN}', "not valid JSON"),
        ("__import__('os').system('false')", "not valid JSON"),
    ],
)
def test_read_json_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(ExportError, match=message):
        read_json(path)


def test_read_json_missing(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="file does not exist"):
        read_json(tmp_path / "none.json")


# ---------------------------------------------------------------------------------- runs


def test_sidecar_path() -> None:
    assert sidecar_path("run.csv") == Path("run.json")
    assert sidecar_path(Path("/data/hhtui-20240101-120000.csv")) == Path("/data/hhtui-20240101-120000.json")
    assert sidecar_path("noext") == Path("noext.json")


def test_write_run_writes_both_files(tmp_path: Path) -> None:
    cols = recording()
    experiment = {"membrane": {"g_Na": 120.0, "g_K": 36.0}, "stimulus": {"kind": "step", "amp": 10.0}}
    csv_file, json_file = write_run(tmp_path / "run.csv", cols, experiment, extra={"seed": 3})
    assert (csv_file, json_file) == (tmp_path / "run.csv", tmp_path / "run.json")
    meta = json.loads(json_file.read_text())
    assert meta == {
        "program": "hhtui",
        "version": hhtui.__version__,
        "experiment": experiment,
        "columns": list(cols),
        "seed": 3,
        "data_file": {
            "name": "run.csv",
            "bytes": csv_file.stat().st_size,
            "sha256": hashlib.sha256(csv_file.read_bytes()).hexdigest(),
        },
    }
    assert list(meta) == ["program", "version", "experiment", "columns", "seed", "data_file"]
    assert read_json(json_file) == meta
    back = read_csv(csv_file)
    assert list(back) == meta["columns"]
    assert_10_digits(back["V_mV"], cols["V_mV"])
    assert leftovers(tmp_path) == []


def test_write_run_refuses_extra_that_replaces_fields(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="version"):
        write_run(tmp_path / "run.csv", recording(), {}, extra={"version": "9"})
    assert list(tmp_path.iterdir()) == []


def test_write_run_invalid_columns_write_nothing(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="non-finite"):
        write_run(tmp_path / "run.csv", {"a": np.array([np.inf])}, {})
    assert list(tmp_path.iterdir()) == []


def test_write_run_rolls_back_sidecar_when_csv_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv_file, json_file = write_run(tmp_path / "run.csv", {"a": np.array([1.0])}, {"old": True})
    old_csv, old_json = csv_file.read_bytes(), json_file.read_bytes()

    real_replace = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(ExportError, match=r"run\.csv: disk full"):
        write_run(csv_file, {"a": np.array([2.0])}, {"new": True})
    monkeypatch.undo()
    assert calls[:2] == ["run.json", "run.csv"]
    assert csv_file.read_bytes() == old_csv
    assert json_file.read_bytes() == old_json
    assert leftovers(tmp_path) == []


def test_write_run_rollback_removes_new_sidecar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace

    def csv_fails(src, dst):
        if str(dst).endswith(".csv"):
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", csv_fails)
    with pytest.raises(KeyboardInterrupt):
        write_run(tmp_path / "run.csv", recording(), {})
    assert list(tmp_path.iterdir()) == []


def test_write_run_failure_while_writing_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_run(tmp_path / "run.csv", {"a": np.array([1.0])}, {"old": True})

    def broken(block):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_format_block", broken)
    with pytest.raises(ExportError, match="disk full"):
        write_run(tmp_path / "run.csv", {"a": np.array([2.0])}, {"new": True})
    assert read_json(tmp_path / "run.json")["experiment"] == {"old": True}
    assert read_csv(tmp_path / "run.csv")["a"].tolist() == [1.0]
    assert leftovers(tmp_path) == []


def test_write_run_refuses_json_name(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.csv"):
        write_run(tmp_path / "run.json", recording(), {})


def test_write_run_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        write_run(tmp_path / "no" / "run.csv", recording(), {})


# ---------------------------------------------------------------------------------- names


def test_timestamped_name(tmp_path: Path) -> None:
    now = datetime(2024, 3, 5, 14, 7, 9)
    first = timestamped_name(now, tmp_path)
    assert first == tmp_path / "hhtui-20240305-140709.csv"
    first.write_text("x")
    second = timestamped_name(now, tmp_path)
    assert second == tmp_path / "hhtui-20240305-140709-2.csv"
    second.write_text("x")
    assert timestamped_name(now, tmp_path).name == "hhtui-20240305-140709-3.csv"


def test_timestamped_name_avoids_an_existing_sidecar(tmp_path: Path) -> None:
    now = datetime(2024, 3, 5, 14, 7, 9)
    (tmp_path / "hhtui-20240305-140709.json").write_text("{}")
    assert timestamped_name(now, tmp_path).name == "hhtui-20240305-140709-2.csv"


def test_timestamped_name_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    name = timestamped_name()
    assert name.parent == Path(".")
    assert name.name.startswith("hhtui-") and name.suffix == ".csv"
    datetime.strptime(name.stem, "hhtui-%Y%m%d-%H%M%S")
