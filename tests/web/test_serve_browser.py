"""``hhtui serve`` in a real browser: headless Chromium (the system's) driven by Playwright.

The test starts the server on a free 127.0.0.1 port, opens the page, waits for the app to be drawn,
presses space (the run starts: the page changes) and e, and checks that the browser downloads a
CSV of the run while nothing is written on the server's side. Every wait is on a condition, with
generous bounds; the browser and the server (with the app it started) are always torn down.
Skipped where Chromium or Playwright is missing (CI installs both).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hhtui.tui.web_export import STALE_S
from tests.processes import kill, start_hhtui
from tests.processes import wait_until as wait_for_condition

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("HHTUI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
#: Headless, and nothing but the page: no background traffic, no host name resolved but 127.0.0.1.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
#: Bounds of the waits (s); the first start of the app may compile the solver's kernels.
START_S = 300.0
WAIT_S = 180.0  # a bound on waits for conditions: generous, as a loaded machine can take long
#: Bound on the wait for one download (s); a lost one is asked for again (three times in all).
DOWNLOAD_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """:func:`tests.processes.wait_until`, looking every 0.2 s (a page is slow to look at)."""
    wait_for_condition(condition, timeout, what, interval=0.2)


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def apps_started_by(marker: Path) -> list[int]:
    """Live processes whose environment names ``marker`` (the server and the apps it started)."""
    needle = str(marker).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (
                    needle in (entry / "environ").read_bytes()
                    and (entry / "stat").read_text().split(")")[-1].split()[0] != "Z"
                ):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """``hhtui serve`` on a free port: (port, its working directory, the app's ready file)."""
    pytest.importorskip("textual_serve")
    workdir = tmp_path / "server"
    workdir.mkdir()
    ready = tmp_path / "ready"
    port = free_port()
    process = start_hhtui(
        "serve",
        "--port",
        str(port),
        cwd=workdir,
        env={"HHTUI_READY_FILE": str(ready)},
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=False,
    )
    try:
        wait_until(lambda: accepts(port) or process.poll() is not None, START_S, "the server to listen")
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        yield port, workdir, ready
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C: the server stops the apps it started
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill(process)
        try:
            wait_until(lambda: not apps_started_by(ready), 30, "the apps to end")
        finally:
            for pid in apps_started_by(ready):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=WAIT_S * 1000)
        try:
            yield chromium
        finally:
            chromium.close()


def picture(page: Any) -> bytes:
    return hashlib.sha256(page.screenshot()).digest()


def colours(page: Any) -> int:
    from PIL import Image

    return len(Image.open(io.BytesIO(page.screenshot())).convert("RGB").getcolors(1 << 20) or [])


def press_for_download(context: Any, page: Any, key: str, timeout: float) -> Any:
    """Press ``key`` and return the download it starts, or None after ``timeout`` seconds. The
    app's delivery opens a new tab, and Chromium reports the download on that tab or on the page
    that opened it: both are watched (while waiting, the page lets the browser's events in)."""
    seen: list[Any] = []

    def started(download: Any) -> None:
        seen.append(download)

    def watch(new_page: Any) -> None:
        new_page.on("download", started)

    context.on("page", watch)
    page.on("download", started)
    try:
        page.keyboard.press(key)
        deadline = time.monotonic() + timeout
        while not seen and time.monotonic() < deadline:
            page.wait_for_timeout(50)
    finally:
        page.remove_listener("download", started)
        context.remove_listener("page", watch)
    return seen[0] if seen else None


def test_the_served_app_runs_in_the_browser_and_e_downloads_the_csv(
    server: tuple[int, Path, Path], browser: Any
) -> None:
    port, workdir, ready = server
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_S * 1000)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(".xterm-screen")
        # the app says when it is ready (solver loaded, panel and plot drawn)
        wait_until(ready.exists, START_S, "the app to be ready in the page")
        wait_until(lambda: colours(page) > 8, WAIT_S, "the app to be drawn in the page")

        page.locator(".xterm-helper-textarea").focus()
        before = picture(page)
        page.keyboard.press("Space")
        wait_until(lambda: picture(page) != before, WAIT_S, "the run to change the page")
        running = picture(page)
        wait_until(lambda: picture(page) != running, WAIT_S, "the run to go on")

        text = None
        for attempt in range(3):  # headless Chromium now and then loses a download from a new tab: ask again
            if attempt:
                time.sleep(STALE_S + 1)  # the app lets a new export past a lost download after STALE_S
            download = press_for_download(context, page, "e", DOWNLOAD_S)
            if download is not None and download.failure() is None:
                assert download.suggested_filename.startswith("hhtui-")
                assert download.suggested_filename.endswith(".csv")
                text = Path(download.path()).read_text()
                break
        assert text is not None, "no download arrived whole, in three tries"
        lines = text.splitlines()
        assert lines[0].startswith("t_ms,V_mV,")
        assert len(lines) > 2
        assert float(lines[-1].split(",")[0]) > 0.0  # the run had gone on before e
    finally:
        context.close()
    # the export went to the browser, not onto the server's disk
    assert [path.name for path in workdir.iterdir() if path.suffix in (".csv", ".json")] == []
