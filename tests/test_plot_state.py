"""plotext draws on one figure per process: a chart drawn by one part of hhtui must not leave its
titles or panels in the next chart (the command line, the API and the app share the process in
notebooks and in the test suite)."""

from __future__ import annotations

from pathlib import Path

from hhtui.cli import main
from hhtui.tui.plotting import _frame


def test_a_two_panel_command_line_plot_leaves_nothing_in_the_apps_frame(tmp_path: Path) -> None:
    csv = tmp_path / "leak.csv"
    assert main(["run", "--t-stop", "5", "-o", str(csv)]) == 0
    assert main(["plot", str(csv), "--gates", "--width", "80", "--height", "24"]) == 0
    lines = _frame(60, 12, (0.0, 5.0), (-80.0, 40.0), "t (ms)", "V (mV)", "")
    text = "\n".join(lines)
    assert "leak.csv" not in text
    assert "V (mV)" in text and "t (ms)" in text
