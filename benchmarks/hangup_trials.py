"""Hang-up trials: the app in tmux, the session killed at a chosen moment; does the process go?
Prints one line per trial and the totals. Asserts nothing.

    python benchmarks/hangup_trials.py [--trials 10] [--when plot] [--size 80x24] [--command hhtui]

``--when``: ``first`` (the first frame is on screen: the model is still loading), ``plot`` (the
voltage plot is drawn), ``running`` (space pressed, half a second later), ``palette`` (ctrl+p
open), ``axon`` (the axon screen computing), or a number of seconds after the start. A process
still there 10 s after the kill counts as lingering (it is then killed, after a stack dump with
py-spy if installed). Uses a private tmux server (``-L hhtui-hangup``) and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

SOCKET = "hhtui-hangup"
#: Text on screen for each moment, and the keys that bring the app there once the plot is drawn.
MOMENTS = {
    "first": ("hhtui", ""),
    "plot": ("V (mV)", ""),
    "running": ("V (mV)", "Space"),
    "palette": ("V (mV)", "C-p"),
    "axon": ("V (mV)", "A"),
}


def tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def trial(number: int, command: str, when: str, size: tuple[int, int]) -> tuple[bool, float]:
    """One start and kill; (gone, seconds from the kill until the process was gone)."""
    name = f"trial{number}"
    tmux("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), f"exec {command}")
    pid = int(tmux("display", "-p", "-t", name, "#{pane_pid}").stdout.strip())
    started = time.monotonic()
    needle, keys = MOMENTS.get(when, ("", ""))
    while time.monotonic() - started < 120:
        if needle:
            if needle in tmux("capture-pane", "-p", "-t", name).stdout:
                break
        elif time.monotonic() - started >= float(when):
            break
        time.sleep(0.02)
    if keys:
        tmux("send-keys", "-t", name, keys)
        time.sleep(0.5)
    killed = time.monotonic()
    tmux("kill-session", "-t", name)
    while alive(pid) and time.monotonic() - killed < 10.0:
        time.sleep(0.01)
    seconds = time.monotonic() - killed
    gone = not alive(pid)
    if not gone:
        spy = shutil.which("py-spy")
        if spy:
            print(subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True).stdout)
        os.kill(pid, 9)
    print(
        f"trial {number}: killed {killed - started:.2f} s after the start ({when}), "
        f"{f'gone after {seconds:.2f} s' if gone else 'STILL RUNNING after 10 s'}",
        flush=True,
    )
    return gone, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--when", default="plot", help="first, plot, running, palette, axon, or seconds")
    parser.add_argument("--size", default="80x24", help="terminal size, e.g. 120x40")
    parser.add_argument("--command", default=shutil.which("hhtui") or f"{sys.executable} -m hhtui")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("needs tmux")
        return 0
    columns, rows = (int(v) for v in args.size.lower().split("x"))
    results = []
    try:
        for number in range(args.trials):
            results.append(trial(number, args.command, args.when, (columns, rows)))
    finally:
        tmux("kill-server")
    gone = [seconds for ok, seconds in results if ok]
    slowest = f", slowest {max(gone):.2f} s" if gone else ""
    print(f"{len(gone)}/{len(results)} gone within 10 s ({sum(s <= 1.0 for s in gone)} within 1 s{slowest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
