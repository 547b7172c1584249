"""The README's Python code blocks run as written (in a fresh folder, one namespace, in order)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

#: Sections whose ```python blocks are executed.
SECTIONS = ("## Python API", "## NeuroML 2", "## NWB")


def python_blocks(text: str, heading: str) -> list[str]:
    """The ```python blocks of the section that starts with ``heading`` (up to the next ``## ``)."""
    start = text.find("\n" + heading)
    if start < 0:
        return []
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else len(text)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_api_section_has_code() -> None:
    assert len(python_blocks(README.read_text(encoding="utf-8"), "## Python API")) >= 2


@pytest.mark.parametrize("heading", SECTIONS)
def test_readme_python_blocks_run(heading: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas")
    blocks = python_blocks(README.read_text(encoding="utf-8"), heading)
    if not blocks:
        pytest.skip(f"no python code in {heading}")
    if heading == "## NWB":
        pytest.importorskip("pynwb")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"README.md {heading} block {number}", "exec"), namespace)  # noqa: S102 (our own README)
