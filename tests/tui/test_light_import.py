"""The app module stays light so the first frame paints fast: no numba, scipy or model import."""

from __future__ import annotations

from tests.processes import run_python


def test_importing_the_app_does_not_import_the_numerics() -> None:
    code = (
        "import sys, hhtui.tui.app; "
        "print(' '.join(m for m in ('numba', 'scipy', 'hhtui.model', 'plotext') if m in sys.modules))"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
