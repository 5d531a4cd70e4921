"""The daemon builds the drill-down index after a refresh only when someone can read the view:
a service whose web view has no credential configured pays neither the time nor the memory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connectors.jira.emulator import JiraEmulator, generate_organisation
from connectors.jira.emulator.roadmap_exports import write_roadmap_exports
from syncd.service.config import load_config
from syncd.service.demo import write_demo_config
from syncd.service.run import build_service
from syncd.web.settings import WebConfig


def _index_builds_after_one_cycle(workdir: Path, web: WebConfig) -> int:
    org = generate_organisation(issues=150, seed=3, now=datetime.now(UTC))
    with JiraEmulator(org, "cloud") as emulator:
        exports = write_roadmap_exports(org, workdir / "roadmaps", jira_url=emulator.url)
        path = write_demo_config(workdir, emulator.url, exports, port=0)
        service = build_service(load_config(path).model_copy(update={"web": web}))
        try:
            with capture_logs() as logs:
                service.daemon.run_once()
        finally:
            service.stop.set()
            service.store.engine.dispose()
    assert any(entry["event"] == "refreshed" for entry in logs), "the cycle refreshed"
    return sum(entry["event"] == "drilldown_index_built" for entry in logs)


@pytest.mark.parametrize(
    ("web", "builds"),
    [
        (WebConfig(auth="token", secret_env="SYNCD_TEST_NO_SUCH_VARIABLE"), 0),
        (WebConfig(auth="none"), 1),
    ],
    ids=["nobody can read it", "open"],
)
def test_the_index_is_built_after_a_refresh_only_for_a_readable_view(
    tmp_path: Path, web: WebConfig, builds: int
) -> None:
    assert _index_builds_after_one_cycle(tmp_path, web) == builds
