"""The app module stays light so the first frame paints fast: no numba, scipy or model import."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_app_does_not_import_the_numerics() -> None:
    code = (
        "import sys, hhtui.tui.app; "
        "print(' '.join(m for m in ('numba', 'scipy', 'hhtui.model', 'plotext') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == ""
