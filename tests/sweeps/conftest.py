"""The command-line fixtures (``hhtui`` in a fresh process) for the sweep tests."""

from tests.cli.conftest import hhtui  # noqa: F401  (a fixture)
