"""``hhtui serve``: the app in a web browser, through textual-serve.

textual-serve is Textual's own web server: each visitor's page opens a websocket, and the server
starts one app process for it (``python -m hhtui.cli.serve --app ...``, see :func:`app_main`) and
relays the screen and the keys. In the browser ``e`` downloads the run (CSV and sidecar) instead of
writing it on the server.

There is no authentication: anyone who can reach the address can run the app (and use the
server's CPU). The default address is the loopback interface; students reach it through an SSH
tunnel (``ssh -L 8000:localhost:8000 server``).
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

from hhtui.parameters import parameter

from .common import RunFailed, UsageError, add_parameter, load_experiment_file, read_experiment_file, warn

__all__ = ["add_parser", "app_main", "is_loopback", "run"]

COMMAND = "hhtui serve"

DESCRIPTION = """\
Serve the app to web browsers with textual-serve: open http://HOST:PORT/ and the app runs in the
page, one app process per visitor (on the server), as it does in a terminal. In the browser, e
downloads the run (the CSV and its JSON sidecar) instead of writing it on the server.

By default only this machine can connect ({host}). From another computer, tunnel the port
through SSH and open http://localhost:{port}/ there:

    ssh -L {port}:localhost:{port} USER@SERVER     (then, on the server: hhtui serve)

--host 0.0.0.0 (or another address) lets anyone who can reach that address run the app: there is
no password. Ctrl-C stops the server and every app it started.
"""

EPILOG = """\
examples:
  hhtui serve                                  http://{host}:{port}/ on this machine
  hhtui serve --port 8080 --preset repetitive  open the app on a classic experiment
  ssh -L {port}:localhost:{port} me@labserver      on your computer, to reach 'hhtui serve' on labserver
"""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and the loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui serve``."""
    defaults = {name: parameter("serve", name).default for name in ("host", "port")}
    parser = subparsers.add_parser(
        "serve",
        help="the app in a web browser (textual-serve; localhost by default)",
        description=DESCRIPTION.format(**defaults),
        epilog=EPILOG.format(**defaults),
    )
    host, port = parameter("serve", "host"), parameter("serve", "port")
    add_parameter(parser, host, default=host.default, metavar="ADDRESS")
    add_parameter(parser, port, default=port.default, metavar="PORT")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--preset",
        metavar="NAME",
        default=None,
        help="open the app on this classic experiment (see 'hhtui run --list-presets')",
    )
    source.add_argument(
        "--config", metavar="FILE.json", default=None, help="open the app on this experiment file or export sidecar"
    )
    parser.set_defaults(handler=run)


def _app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each visitor."""
    command = [sys.executable, "-m", "hhtui.cli.serve", "--app"]
    if args.preset is not None:
        command += ["--preset", args.preset]
    elif args.config is not None:
        command += ["--config", str(Path(args.config).resolve())]
    return " ".join(shlex.quote(part) for part in command)


def _check_port(host: str, port: int) -> None:
    """Refuse, before starting, an address this machine does not have or a port already taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UsageError(f"--host: cannot use {host!r}: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno is not None and error.strerror and "in use" in error.strerror:
                raise UsageError(f"--port: {port} is already in use on {host}; choose another port") from None
            raise UsageError(f"--host/--port: cannot listen on {host}:{port}: {error.strerror or error}") from None


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def run(args: argparse.Namespace) -> int:
    """``hhtui serve``: check the experiment and the address, then serve until Ctrl-C."""
    if args.preset is not None:
        from .run import preset_experiment

        preset_experiment(args.preset)
    elif args.config is not None:
        load_experiment_file(args.config, "--config")
    try:
        from textual_serve.server import Server
    except ImportError:
        raise RunFailed(
            "serving needs textual-serve, which is not installed; "
            "pip install 'hhtui[serve]' (or pip install textual-serve)"
        ) from None
    _check_port(args.host, args.port)
    if not is_loopback(args.host):
        warn(
            f"--host {args.host}: anyone who can reach {_url(args.host, args.port)} can run the app; there is "
            "no password. Prefer the default 127.0.0.1 and an SSH tunnel (see 'hhtui serve --help')",
            COMMAND,
        )
    server = _server_class(Server)(_app_command(args), host=args.host, port=args.port, title="hhtui")
    where = _url(args.host, args.port)
    if args.host in ("0.0.0.0", "::"):
        where += " (on every address of this machine)"
    print(f"{COMMAND}: open {where} in a browser; Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        server.serve()
    except OSError as error:
        raise RunFailed(f"cannot serve on {args.host}:{args.port}: {error.strerror or error}") from None
    print(f"{COMMAND}: stopped", file=sys.stderr)
    return 0


def _server_class(base: Any) -> Any:
    """textual-serve's server, quieter, and with page links that follow the address the browser used
    (so a tunnel to another local port, or a server name, works)."""

    class HHServer(base):
        def initialize_logging(self) -> None:
            import logging

            logging.basicConfig(level=logging.WARNING, format=f"{COMMAND}: %(message)s")

        async def on_startup(self, app: Any) -> None:
            return None

        async def handle_index(self, request: Any) -> Any:
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

    return HHServer


# --------------------------------------------------------------------------------------------
# the app process of one visitor


def app_main(argv: list[str]) -> int:
    """The app as textual-serve runs it for a visitor: ``--app [--preset NAME | --config FILE]``."""
    parser = argparse.ArgumentParser(prog="hhtui.cli.serve")
    parser.add_argument("--app", action="store_true", required=True)
    parser.add_argument("--preset", default=None)
    parser.add_argument("--config", default=None)
    args = parser.parse_args(argv)
    experiment = None
    notices: list[str] = []
    if args.preset is not None:
        from hhtui.experiments import get_preset

        experiment = get_preset(args.preset)
    elif args.config is not None:
        from . import replay_notice

        experiment, note = read_experiment_file(args.config, "--config")
        notices += [replay_notice(args.config, note)] if note is not None else []
    from hhtui.tui.app import run_app

    return int(run_app(experiment, notices=notices) or 0)


if __name__ == "__main__":
    sys.exit(app_main(sys.argv[1:]))
