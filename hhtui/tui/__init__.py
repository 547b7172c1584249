"""The terminal app: ``HHApp`` and ``run_app`` live in :mod:`hhtui.tui.app`."""
