"""The lock files match the human-edited requirements they are generated from.

``make lock`` regenerates them; this fails when someone edits a pin in
requirements*.txt and forgets to. (``make lock-check`` in CI also catches a lock
that still holds a package the inputs no longer need.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _pins(path: Path) -> dict[str, str]:
    """``name -> version`` of a requirements file, following ``-r`` includes."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #")[0].strip()
        if line.startswith("-r "):
            pins.update(_pins(path.parent / line[3:].strip()))
        elif match := PIN.match(line):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _hashed(path: Path) -> bool:
    entries = re.split(r"\n(?=[A-Za-z0-9])", path.read_text(encoding="utf-8"))
    return all("--hash=sha256:" in entry for entry in entries if PIN.match(entry))


@pytest.mark.parametrize(
    ("source", "lock"),
    [
        ("requirements.txt", "requirements.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
    ],
)
def test_lock_pins_every_input_at_its_version(source: str, lock: str) -> None:
    wanted = _pins(REPO_ROOT / source)
    locked = _pins(REPO_ROOT / lock)
    stale = {
        name: (version, locked.get(name))
        for name, version in wanted.items()
        if locked.get(name) != version
    }
    assert not stale, f"{lock} is out of date with {source}; run `make lock`: {stale}"
    assert _hashed(REPO_ROOT / lock)


def test_lock_runtime_versions_are_the_tested_ones() -> None:
    runtime = _pins(REPO_ROOT / "requirements.lock")
    dev = _pins(REPO_ROOT / "requirements-dev.lock")
    assert runtime
    assert {name: dev.get(name) for name in runtime} == runtime


def test_lock_pin_parser_sees_a_changed_pin(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("Django==5.2.19  # web\n-r more.txt\n")
    (tmp_path / "more.txt").write_text("lxml[html_clean]==6.1.3\n")
    assert _pins(tmp_path / "in.txt") == {"django": "5.2.19", "lxml": "6.1.3"}
