"""``python -m hhtui``: the same as the ``hhtui`` command."""

if __name__ == "__main__":
    from hhtui.cli import main

    raise SystemExit(main())
