"""The command-line fixtures (``hhtui`` in this process, ``hhtui_process`` in a new one) for the
sweep tests."""

from tests.cli.conftest import hhtui, hhtui_process  # noqa: F401  (fixtures)
