"""Export when the app is served to a web browser (``hhtui serve``): the browser downloads the run.

In a terminal, ``e`` writes the CSV and its JSON sidecar into the working directory. Served over
the web, that directory is on the server, out of the visitor's reach; so the same two files are
written (by the same writer, checksum included) into a private temporary directory, read back, the
directory removed, and the files handed to the browser as downloads (Textual's ``deliver_binary``)
one after the other: a second download started while the first is still streaming can cancel it.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DOWNLOAD_NAME", "BrowserDownloads", "export_files"]

#: MIME type of each file, by suffix.
MIME_TYPES = {".csv": "text/csv", ".json": "application/json"}

#: Name given to the deliveries, to recognise their completion events.
DOWNLOAD_NAME = "hhtui-download"

#: A delivery neither complete nor failed after this long (s) is taken as lost (the browser
#: cancelled it) once another export is asked for.
STALE_S = 10.0

File = tuple[str, bytes, str]


def export_files(
    columns: Mapping[str, Any], experiment: Mapping[str, Any], extra: Mapping[str, Any] | None
) -> list[File]:
    """The CSV and sidecar of a run as (name, content, MIME type), written exactly as in a terminal.
    Errors are :class:`hhtui.export.ExportError`."""
    from hhtui.export import timestamped_name, write_run

    with tempfile.TemporaryDirectory(prefix="hhtui-export-") as scratch:
        csv_path, json_path = write_run(timestamped_name(directory=scratch), columns, experiment, extra=extra)
        return [(path.name, path.read_bytes(), MIME_TYPES[path.suffix]) for path in (csv_path, json_path)]


class BrowserDownloads:
    """Files handed to the browser one at a time: the next when the previous has been delivered.

    ``deliver`` is the app's ``deliver_binary``; call :meth:`finished` from the app's handlers of
    ``DeliveryComplete`` and ``DeliveryFailed``. Used on the app's event loop only.
    """

    def __init__(self, deliver: Callable[..., Any], clock: Callable[[], float] = time.monotonic) -> None:
        self._deliver = deliver
        self._clock = clock
        self._queue: deque[File] = deque()
        self._busy_since: float | None = None

    def add(self, files: list[File]) -> None:
        """Deliver ``files`` in order. Files of an earlier export still waiting are dropped (the new
        export supersedes them); a delivery stuck for :data:`STALE_S` no longer holds the queue."""
        self._queue.clear()
        self._queue.extend(files)
        if self._busy_since is not None and self._clock() - self._busy_since > STALE_S:
            self._busy_since = None
        if self._busy_since is None:
            self._next()

    def finished(self, name: str | None) -> None:
        """A delivery ended (complete or failed): start the next one."""
        if name == DOWNLOAD_NAME:
            self._busy_since = None
            self._next()

    def _next(self) -> None:
        if not self._queue:
            return
        name, data, mime_type = self._queue.popleft()
        self._busy_since = self._clock()
        self._deliver(io.BytesIO(data), save_filename=name, mime_type=mime_type, name=DOWNLOAD_NAME)
