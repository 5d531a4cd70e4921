"""The floor plan holds: a connector loads only the core, and wrong imports fail the contract."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Each of these imports breaks the layers: a wrong dependency the contract must refuse.
WRONG_IMPORTS = {
    "the daemon knows a concrete connector": ("syncd/app/daemon.py", "import connectors.jira"),
    "analytics know the mapping layer": ("syncd/analytics/rows.py", "import mappings"),
    "connectors reach up to the metrics": ("connectors/http/policy.py", "import syncd.metrics"),
    "the mapping layer reaches the analytics": ("mappings/teams.py", "import syncd.analytics"),
    "the store reaches up to the metrics": ("syncd/store/runs.py", "import syncd.metrics"),
    "the core reaches the store": ("syncd/core/errors.py", "import syncd.store"),
    "the application reaches the CLI": ("syncd/app/pipeline.py", "import syncd.cli"),
}


def _loaded_after_import(module: str) -> list[str]:
    code = (
        f"import json, sys; import {module}; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('syncd', 'connectors', 'mappings'))))"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize("module", ["connectors.jira.source", "connectors.roadmap.source"])
def test_a_connector_loads_only_the_core(module: str) -> None:
    """Importing a connector in a fresh interpreter loads no analytics, store, metrics,
    application, composition or mapping module: connectors stand on the core alone."""
    loaded = _loaded_after_import(module)
    syncd_modules = [name for name in loaded if name.startswith("syncd.")]
    assert syncd_modules, "the connector uses the core"
    assert all(name.startswith("syncd.core") for name in syncd_modules), syncd_modules
    assert not [name for name in loaded if name.startswith("mappings")]


@pytest.mark.parametrize("wrong", sorted(WRONG_IMPORTS))
def test_a_wrong_import_breaks_the_layers_contract(wrong: str, tmp_path: Path) -> None:
    """Adding one import that points the wrong way makes ``lint-imports`` fail; the tree as
    it stands passes."""
    tree = tmp_path / "tree"
    for package in ("syncd", "connectors", "mappings"):
        shutil.copytree(ROOT / package, tree / package)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    assert _lint(tree).returncode == 0, _lint(tree).stdout

    path, line = WRONG_IMPORTS[wrong]
    target = tree / path
    target.write_text(f"{target.read_text(encoding='utf-8')}\n{line}  # noqa\n", "utf-8")

    result = _lint(tree)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )
