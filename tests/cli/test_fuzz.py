"""The command line fuzzed: random flags, config files and CSV files (see :mod:`tests.cli.fuzzing`).

The number of inputs is set by ``HHTUI_FUZZ_CASES`` (in process, default 1200: about a minute)
and ``HHTUI_FUZZ_SUBPROCESS_CASES`` (real processes, default 24); ``HHTUI_FUZZ_SEED`` chooses
another sequence (default: a fixed one, so a failure here is reproducible). A longer run with a
report of everything found: ``python benchmarks/fuzz_cli.py``.
"""

from __future__ import annotations

import os

import pytest

from .fuzzing import KNOWN, Case, Known, fuzz, try_case

SEED = int(os.environ.get("HHTUI_FUZZ_SEED", "20260"))


def _report(findings: dict) -> str:
    return "\n".join(finding.report() for finding in findings.values())


@pytest.mark.fuzz
def test_fuzz_in_process() -> None:
    """Every input: exit status 0, 1 or 2, no traceback, one error line, nothing left or changed on
    failure, the earlier good output intact."""
    count = int(os.environ.get("HHTUI_FUZZ_CASES", "1200"))
    findings, tried, _ = fuzz(count, SEED, "process")
    assert tried == count
    assert not findings, f"{len(findings)} finding(s) in {tried} inputs (seed {SEED}):\n{_report(findings)}"


@pytest.mark.fuzz
def test_fuzz_real_processes() -> None:
    """The same promises with ``python -m hhtui`` as a user runs it (real standard streams and
    exit status, the real work limits)."""
    count = int(os.environ.get("HHTUI_FUZZ_SUBPROCESS_CASES", "24"))
    findings, tried, _ = fuzz(count, SEED + 1, "subprocess")
    assert tried == count
    assert not findings, f"{len(findings)} finding(s) in {tried} inputs (seed {SEED + 1}):\n{_report(findings)}"


@pytest.mark.parametrize("known", KNOWN, ids=[known.command for known in KNOWN])
@pytest.mark.xfail(strict=True, reason="an open finding (see KNOWN in fuzzing.py); remove it once fixed")
def test_known_finding_is_fixed(known: Known) -> None:
    """Each finding the fuzz tests pass over still breaks its promise: once fixed, this passes,
    which fails the run (strict), so the entry is removed from KNOWN."""
    _, problems = try_case(known.case)
    assert not [problem for problem in problems if problem.startswith(known.problem)]


#: Findings of earlier fuzz runs, kept as reproductions: each must now keep every promise.
FORMER_FINDINGS = {
    # a value near the largest float made the GIF's axis scale NaN inside Pillow
    "animate of a CSV holding -1.7e308": Case(
        ["animate", "data.csv", "--fps", "2", "--seconds", "0.5", "--size", "240x160"],
        {"data.csv": b"t_ms,V_mV\n0,-65\n0.1,-1.7e308\n0.2,-60\n"},
    ),
    # an empty preset name left the GIF without a name to default to (a TypeError from pathlib)
    "animate --preset ''": Case(["animate", "--preset", "", "--fps", "2", "--seconds", "0.5", "--size", "240x160"]),
    # a file name too long for the file system left the folder made for the export behind
    "neuroml export with a 300-character name": Case(
        ["neuroml", "export", "-o", "nml", "--name", "x" * 300, "--t-stop", "5"]
    ),
}


@pytest.mark.parametrize("name", list(FORMER_FINDINGS))
def test_a_former_finding_keeps_every_promise(name: str) -> None:
    _, problems = try_case(FORMER_FINDINGS[name])
    assert problems == []
