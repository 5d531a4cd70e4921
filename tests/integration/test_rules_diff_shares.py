"""``syncd rules diff`` shows the same shares as ``syncd report``: one share computation."""

from __future__ import annotations

from pathlib import Path

from syncd.analytics import Snapshot
from syncd.app.mapping_files import load_mapping_files
from syncd.app.rules_preview import preview_rules
from syncd.service.config import load_config
from syncd.service.demo import DemoOptions, demo_environment
from syncd.service.run import build_service


def test_the_diffs_before_shares_are_the_reports_shares_on_the_demo(tmp_path: Path) -> None:
    """On the demo organisation, after one cycle, the preview's "before" side under the
    current rules equals, row for row, the shares of the snapshot `syncd report` reads, and
    previewing the current rules against themselves changes no share."""
    options = DemoOptions(issues=800, port=0, workdir=tmp_path / "demo")
    with demo_environment(options) as demo:
        config = load_config(demo.config_path)
        service = build_service(config)
        service.daemon.run_once()
    stored = service.store.latest_snapshot()
    assert stored is not None
    reported = Snapshot.from_dict(stored[1])
    files = load_mapping_files(config.mapping_paths())

    preview = preview_rules(
        service.store, files, files.rule_set, config.analytics, reported.computed_at
    )

    assert len(reported.shares) > 50, "the demo has shares to compare"
    assert any(row.share not in (None, 0.0, 1.0) for row in reported.shares)
    assert preview.before == reported.shares
    assert preview.shares == ()
