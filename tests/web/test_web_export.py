"""Export in the browser: the same files as in a terminal, handed over one download at a time."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import numpy as np

from hhtui.tui.web_export import DOWNLOAD_NAME, STALE_S, BrowserDownloads, export_files


def run_columns() -> dict[str, np.ndarray]:
    t = np.linspace(0.0, 1.0, 11)
    return {"t_ms": t, "V_mV": -65.0 + t, "m": 0.05 + 0 * t}


def test_the_files_are_the_csv_and_its_sidecar_as_written_in_a_terminal() -> None:
    (csv_name, csv_data, csv_type), (json_name, json_data, json_type) = export_files(
        run_columns(), {"t_stop": 1.0}, {"summary": {"spikes": 0}}
    )
    assert csv_name.startswith("hhtui-") and csv_name.endswith(".csv") and csv_type == "text/csv"
    assert json_name == csv_name[:-4] + ".json" and json_type == "application/json"
    assert csv_data.decode().splitlines()[0] == "t_ms,V_mV,m"
    assert len(csv_data.decode().splitlines()) == 12
    sidecar = json.loads(json_data)
    assert sidecar["experiment"] == {"t_stop": 1.0} and sidecar["summary"] == {"spikes": 0}
    assert sidecar["data_file"]["sha256"] == hashlib.sha256(csv_data).hexdigest()  # the pair belongs together


class Browser:
    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.now = 0.0

    def deliver(self, data: io.BytesIO, *, save_filename: str, mime_type: str, name: str) -> None:
        assert name == DOWNLOAD_NAME
        self.delivered.append(save_filename)

    def clock(self) -> float:
        return self.now


def downloads() -> tuple[Browser, BrowserDownloads]:
    browser = Browser()
    return browser, BrowserDownloads(browser.deliver, clock=browser.clock)


def files(stem: str) -> list[Any]:
    return [(f"{stem}.csv", b"t_ms\n0\n", "text/csv"), (f"{stem}.json", b"{}", "application/json")]


def test_the_sidecar_follows_once_the_csv_is_delivered() -> None:
    browser, queue = downloads()
    queue.add(files("a"))
    assert browser.delivered == ["a.csv"]
    queue.finished("something else")  # another delivery of the app
    assert browser.delivered == ["a.csv"]
    queue.finished(DOWNLOAD_NAME)
    assert browser.delivered == ["a.csv", "a.json"]
    queue.finished(DOWNLOAD_NAME)
    assert browser.delivered == ["a.csv", "a.json"]


def test_a_new_export_supersedes_what_still_waits_and_a_lost_download_does_not_block() -> None:
    browser, queue = downloads()
    queue.add(files("a"))
    queue.add(files("b"))  # a.csv still streaming: b waits, a.json is dropped
    queue.finished(DOWNLOAD_NAME)
    assert browser.delivered == ["a.csv", "b.csv"]
    browser.now += STALE_S + 1  # b.csv never completes (the browser cancelled it)
    queue.add(files("c"))
    assert browser.delivered == ["a.csv", "b.csv", "c.csv"]
    queue.finished(DOWNLOAD_NAME)
    assert browser.delivered[-1] == "c.json"
