"""deploy/requirements.lock: the image's dependencies, pinned with hashes, in step with
pyproject.toml. Regenerate it after changing the dependencies (docs/deploy.md):

    pip-compile --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
        --no-emit-find-links --output-file deploy/requirements.lock pyproject.toml
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from deploy_support import DEPLOY, ROOT
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = DEPLOY / "requirements.lock"
_PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s+\\\s+--hash=sha256:[0-9a-f]{64})+)", re.M
)
# The image runs CPython 3.11 on Linux: markers are evaluated there, not on this machine.
_IMAGE = {**default_environment(), "python_version": "3.11", "sys_platform": "linux"}


def _pins() -> dict[str, tuple[str, int]]:
    """Each locked package (canonical name): its version and how many hashes it has."""
    text = LOCK.read_text(encoding="utf-8")
    found = {
        canonicalize_name(name): (version, hashes.count("--hash="))
        for name, version, hashes in _PIN.findall(text)
    }
    requirement_lines = [
        line for line in text.splitlines() if line and not line.startswith((" ", "#"))
    ]
    assert len(found) == len(requirement_lines), "a requirement line is not pinned with hashes"
    return found


def _dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def test_every_locked_package_is_pinned_exactly_with_hashes() -> None:
    """pip's --require-hashes installs only what the lock names, byte for byte."""
    pins = _pins()
    assert pins
    assert all(count >= 1 for _, count in pins.values())


def test_every_dependency_of_pyproject_is_locked_within_its_range() -> None:
    """A dependency added to pyproject.toml, or a range moved past the locked version, fails
    until the lock is regenerated."""
    pins = _pins()
    for requirement in _dependencies():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in {LOCK.name}: regenerate it"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{requirement} excludes the locked {pins[name][0]}: regenerate {LOCK.name}"
        )


def test_the_lock_holds_what_the_dependencies_need_and_nothing_else() -> None:
    """Walk the dependency graph from pyproject.toml through the installed packages' metadata
    (at the locked versions): every package reached is locked, every locked one is reached."""
    pins = _pins()
    reached: set[str] = set()
    unread: set[str] = set()
    pending = [(r, frozenset(r.extras)) for r in _dependencies()]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in reached:
            continue
        reached.add(name)
        assert name in pins, f"{name} (needed via {requirement}) is not locked"
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            unread.add(name)
            continue
        if distribution.version != pins[name][0]:
            unread.add(name)  # another version here: its metadata says nothing of the lock
            continue
        for line in distribution.requires or []:
            needed = Requirement(line)
            environments = [{**_IMAGE, "extra": extra} for extra in extras or {""}]
            if needed.marker is None or any(needed.marker.evaluate(e) for e in environments):
                pending.append((needed, frozenset(needed.extras)))
    if not unread:  # only a complete walk can tell what is not needed
        assert set(pins) == reached, f"locked but not needed: {sorted(set(pins) - reached)}"
