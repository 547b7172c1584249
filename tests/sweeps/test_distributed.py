"""Sweeps on a real dask.distributed cluster: a scheduler and two workers started as separate
processes on 127.0.0.1 (each bounded in time and always torn down), and a local cluster made by
``--workers``. The numbers must equal the in-process run value for value, the chunks must have
been computed by the workers, and a worker killed mid-sweep must lose no grid point."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.in_process import run_cli
from tests.processes import finish, kill, run_hhtui, start_hhtui, start_process, started, wait_until

pytest.importorskip("distributed")

pytestmark = pytest.mark.distributed

#: Generous bounds for a busy machine (the workers import numpy and load the compiled kernels).
START_TIMEOUT_S = 180
GRID = ("--amp", "0:30:2", "--g-k", "30,36", "--t-stop", "100", "--transient", "20", "--chunk-size", "4")


def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m ARGS...`` in a session of its own, its output in ``log``."""
    with open(log, "wb") as out:
        return start_process(
            [sys.executable, "-m", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=False,
        )


class Cluster:
    """A scheduler and workers on 127.0.0.1, each a process of its own (no nanny: a worker is
    its process, so killing it kills the worker)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: list[subprocess.Popen[bytes]] = []
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.started = 0
        info = directory / "scheduler.json"
        self.processes.append(
            start(
                [
                    "distributed.cli.dask_scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(info),
                    "--idle-timeout",
                    "900",
                ],
                directory / "scheduler.log",
            )
        )
        wait_until(
            lambda: info.exists() and info.stat().st_size > 0 or self.processes[0].poll() is not None,
            START_TIMEOUT_S,
            "the scheduler",
        )
        assert self.processes[0].poll() is None, (directory / "scheduler.log").read_text()
        self.address = json.loads(info.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")

    def add_worker(self, name: str) -> None:
        self.started += 1
        process = start(
            [
                "distributed.cli.dask_worker",
                self.address,
                "--no-nanny",
                "--nthreads",
                "1",
                "--name",
                name,
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--death-timeout",
                "120",
            ],
            self.directory / f"{name}.log",
        )
        self.processes.append(process)
        self.workers[name] = process

    def keep_workers(self, count: int) -> None:
        """Have ``count`` live workers, those known to the scheduler and no others: a worker that
        was killed is replaced by a new one (of a new name: the scheduler may still hold the old)."""
        from distributed import Client

        self.workers = {name: process for name, process in self.workers.items() if process.poll() is None}
        while len(self.workers) < count:
            self.add_worker(f"w{self.started + 1}")
        with Client(self.address, timeout=START_TIMEOUT_S) as client:
            wait_until(
                lambda: (
                    sorted(w["name"] for w in client.scheduler_info()["workers"].values()) == sorted(self.workers)
                    or any(process.poll() is not None for process in self.workers.values())
                ),
                START_TIMEOUT_S,
                f"the workers {sorted(self.workers)}",
            )
        ended = [name for name, process in self.workers.items() if process.poll() is not None]
        assert not ended, (self.directory / f"{ended[0]}.log").read_text()

    def close(self) -> None:
        for process in reversed(self.processes):
            kill(process)


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A scheduler for the tests of this module (starting one and its workers takes seconds)."""
    made = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def cluster(shared_cluster: Cluster) -> Cluster:
    """The module's cluster with two live workers: a worker an earlier test killed is replaced."""
    shared_cluster.keep_workers(2)
    return shared_cluster


#: The tests sharing the cluster run in one pytest-xdist worker.
same_cluster = pytest.mark.xdist_group("dask-cluster")


@same_cluster
def test_a_grid_on_the_cluster_equals_the_grid_in_process(cluster: Cluster, tmp_path: Path) -> None:
    remote = run_hhtui("sweep", *GRID, "--scheduler", cluster.address, "-o", "remote.csv", cwd=tmp_path)
    assert remote.returncode == 0, remote.stderr
    here = run_cli("sweep", *GRID, "-o", "here.csv", cwd=tmp_path)
    assert here.returncode == 0, here.stderr
    assert (tmp_path / "remote.csv").read_bytes() == (tmp_path / "here.csv").read_bytes()
    execution = json.loads((tmp_path / "remote.json").read_text())["sweep"]["execution"]
    assert execution["executor"] == "dask" and execution["scheduler"] == cluster.address
    # The chunks were computed in the worker processes (host:pid), both of them, none here.
    worker_pids = {process.pid for process in cluster.workers.values()}
    computed_by = {int(where.rsplit(":", 1)[1]): count for where, count in execution["chunks_by_worker"].items()}
    assert set(computed_by) == worker_pids
    assert sum(computed_by.values()) == json.loads((tmp_path / "remote.json").read_text())["sweep"]["chunks"] == 8


@same_cluster
def test_a_worker_killed_mid_sweep_loses_no_point(cluster: Cluster, tmp_path: Path) -> None:
    # Long enough that, after two chunks, the other fourteen take seconds: the kill lands mid-sweep.
    args = ("sweep", "--amp", "0:30:1", "--t-stop", "10000", "--transient", "100", "--chunk-size", "2")
    journal = tmp_path / "remote.csv.chunks"
    with started(start_hhtui(*args, "--scheduler", cluster.address, "-o", "remote.csv", cwd=tmp_path)) as sweep:
        wait_until(
            lambda: len(list(journal.glob("chunk-*.npz"))) >= 2 or sweep.poll() is not None,
            START_TIMEOUT_S,
            "two finished chunks",
        )
        assert sweep.poll() is None, "the sweep ended before a worker could be killed"
        kill(next(iter(cluster.workers.values())))
        _, stderr = finish(sweep, timeout=600)
    assert sweep.returncode == 0, stderr
    assert not journal.exists()
    here = run_cli(*args, "-o", "here.csv", cwd=tmp_path)
    assert here.returncode == 0, here.stderr
    assert (tmp_path / "remote.csv").read_bytes() == (tmp_path / "here.csv").read_bytes()
    execution = json.loads((tmp_path / "remote.json").read_text())["sweep"]["execution"]
    assert sum(execution["chunks_by_worker"].values()) == 16  # every chunk arrived, from the survivor too


def test_a_local_cluster_for_the_run(tmp_path: Path) -> None:
    local = run_hhtui("sweep", *GRID, "--workers", "2", "-o", "local.csv", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    here = run_cli("sweep", *GRID, "-o", "here.csv", cwd=tmp_path)
    assert here.returncode == 0, here.stderr
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "here.csv").read_bytes()
    execution = json.loads((tmp_path / "local.json").read_text())["sweep"]["execution"]
    assert execution["local_workers"] == 2 and len(execution["chunks_by_worker"]) >= 1
    assert str(os.getpid()) not in "".join(execution["chunks_by_worker"])


def test_no_scheduler_at_the_address_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # dask's own setting of the wait for a connection, as a user sets it, bounds the wait (20 s
    # without it): the message is the same either way.
    env = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    done = run_hhtui("sweep", *GRID, "--scheduler", f"tcp://127.0.0.1:{port}", "-o", "x.csv", cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--scheduler" in lines[0] and "cannot reach" in lines[0], done.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_ends_a_local_cluster_at_once_and_keeps_its_chunks(tmp_path: Path) -> None:
    """Ctrl-C on a sweep over a local cluster: the command exits (130) without the cluster's
    graceful close, leaves none of its worker processes running, keeps the finished chunks, and
    --resume then completes the very file an uninterrupted run writes."""
    psutil = pytest.importorskip("psutil")
    args = ("sweep", "--amp", "0:30:1", "--g-k", "20:50:1", "--t-stop", "200", "--transient", "20")
    args += ("--chunk-size", "8")
    journal = tmp_path / "grid.csv.chunks"
    workers: list = []
    with started(start_hhtui(*args, "--workers", "2", "-o", "grid.csv", cwd=tmp_path)) as process:
        wait_until(
            lambda: len(list(journal.glob("chunk-*.npz"))) >= 1 or process.poll() is not None,
            START_TIMEOUT_S,
            what="a finished chunk",
        )
        assert process.poll() is None, "the sweep ended before it could be interrupted"
        workers = psutil.Process(process.pid).children(recursive=True)
        assert len(workers) >= 2  # the two workers (and multiprocessing's resource tracker)
        process.send_signal(signal.SIGINT)
        _, stderr = finish(process, timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr

    def gone(child) -> bool:
        try:
            return child.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    try:
        wait_until(lambda: all(gone(child) for child in workers), 30, what="the worker processes to end")
    finally:
        for child in workers:
            if not gone(child):
                child.kill()
    kept = list(journal.glob("chunk-*.npz"))
    assert kept and not (tmp_path / "grid.csv").exists()
    resumed = run_hhtui(*args, "--workers", "2", "--resume", "-o", "grid.csv", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((tmp_path / "grid.json").read_text())["sweep"]["resumed_chunks"] >= len(kept)
    reference = run_cli(*args, "-o", "reference.csv", cwd=tmp_path)
    assert reference.returncode == 0, reference.stderr
    assert (tmp_path / "grid.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()


def test_the_wait_for_the_scheduler_is_dasks_setting_where_the_user_made_one() -> None:
    import dask.config

    from hhtui.sweeps.executors import CONNECT_TIMEOUT_S, connect_timeout_s

    assert connect_timeout_s() == CONNECT_TIMEOUT_S == 20.0  # dask's shipped setting: hhtui's own
    for setting, seconds in (("5s", 5.0), ("1500ms", 1.5), (2, 2.0), ("soon", 20.0), ("-3s", 20.0)):
        with dask.config.set({"distributed.comm.timeouts.connect": setting}):
            assert connect_timeout_s() == seconds, setting
