"""Run the real app in a pseudo-terminal, as a terminal emulator would."""

from __future__ import annotations

import os
import sys

from tests.processes import PtyProcess

APP_CODE = "import sys; from hhtui.tui.app import run_app; sys.exit(run_app())"


class PtyApp(PtyProcess):
    """The app in a child process attached to a pty of ``columns`` x ``rows``.

    ``env`` adds to (or, with None values, removes from) the environment, which otherwise says
    only ``TERM=xterm-256color`` about the terminal; ``cwd`` is the child's working directory.
    """

    def __init__(
        self,
        columns: int = 100,
        rows: int = 30,
        env: dict[str, str | None] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        terminal: dict[str, str | None] = {"TERM": "xterm-256color", "COLORTERM": None}  # say only what TERM says
        super().__init__(
            [sys.executable, "-c", APP_CODE], columns=columns, rows=rows, env={**terminal, **(env or {})}, cwd=cwd
        )
