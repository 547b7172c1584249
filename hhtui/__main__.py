"""``python -m hhtui``: the same as the ``hhtui`` command (whose installed script calls :func:`main`)."""

from __future__ import annotations

import os


def main() -> int:
    """Run the ``hhtui`` command with the arguments of this process."""
    # The command does no large linear algebra. Left to itself, importing numpy starts OpenBLAS's
    # pool of threads, which spin for a while: about 60 ms of CPU time in every process, as much
    # as a 1000 ms run computes, taken from the cores the command's own threads use. A value set
    # by the user is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from hhtui.cli import main as command

    return command()


if __name__ == "__main__":
    raise SystemExit(main())
