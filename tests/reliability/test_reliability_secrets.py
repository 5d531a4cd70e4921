"""Secrets: a canary token in the environment never shows, in any form, anywhere syncd writes.

Two Jira sources: one signs in with the canary (and meets 500s whose bodies echo the
Authorization header back), the other sends a second canary the server refuses (401). The
sync runs at debug level; then every place is searched for both canaries, raw and as the
Basic header's base64: JSON logs, console logs with tracebacks, error messages in the store,
every text and JSON cell of every table, ``/metrics``, ``/readyz``, ``explain`` and ``status``.
"""

from __future__ import annotations

import base64
import io
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import structlog
from reliability_support import jira_source, open_store, run_syncd, tally, text_cells, write_config

from connectors.jira.emulator import Fault, JiraEmulator, generate_organisation
from syncd.service.config import load_config
from syncd.service.logs import configure_logging
from syncd.service.run import build_service
from syncd.service.wiring import jira_sources

USER = "syncd-bot@acme.example"


def _forms(token: str) -> list[str]:
    """The token as it could leak: raw, and inside a Basic header."""
    basic = base64.b64encode(f"{USER}:{token}".encode()).decode()
    return [token, basic]


class _Canaries:
    def __init__(self) -> None:
        self.good = f"canary-{secrets.token_hex(12)}"
        self.refused = f"canary-{secrets.token_hex(12)}"

    @property
    def env(self) -> dict[str, str]:
        return {"SYNCD_JIRA_TOKEN": self.good, "SYNCD_OTHER_TOKEN": self.refused}

    def leaks(self, text: str) -> list[str]:
        found = [form for token in (self.good, self.refused) for form in _forms(token)]
        tally("secrets: texts searched")
        return [form for form in found if form in text]


@pytest.fixture
def canaries() -> _Canaries:
    return _Canaries()


@pytest.fixture(params=["cloud_token", "pat"])
def setup(
    request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path, canaries: _Canaries
) -> Iterator[Path]:
    """Two emulators and a configuration signing in to both by *method*."""
    method = request.param
    mode = "cloud" if method == "cloud_token" else "datacenter"
    org = generate_organisation(issues=80, seed=9, now=datetime.now(UTC) - timedelta(hours=1))
    good = JiraEmulator(org, mode, required_token=canaries.good)
    other = JiraEmulator(org, mode, required_token="the-right-one")
    search = "/search/jql" if mode == "cloud" else "/search"
    # Two echoes are retried away; the census path meets enough of them to fail.
    good.faults.script(search, [Fault.echo_authorization(500)] * 2)
    good.faults.script("/project", [Fault.echo_authorization(500)] * 20)
    auth: dict[str, Any] = {"method": method, "secret_env": "SYNCD_JIRA_TOKEN"}
    if method == "cloud_token":
        auth["user"] = USER
    other_auth = {**auth, "secret_env": "SYNCD_OTHER_TOKEN"}
    with good.serve() as good_url, other.serve() as other_url:
        yield write_config(
            tmp_path / "syncd.yaml",
            store_url=sqlite_url,
            jira=[
                jira_source(good_url, "acme", auth=auth, max_attempts=3, max_retry_seconds=1),
                jira_source(
                    other_url, "other", auth=other_auth, max_attempts=3, max_retry_seconds=1
                ),
            ],
        )


def test_no_canary_in_logs_errors_store_metrics_or_commands(
    setup: Path, canaries: _Canaries, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing syncd prints, stores or serves holds either token, raw or base64-encoded."""
    for name, value in canaries.env.items():
        monkeypatch.setenv(name, value)
    config = str(setup)
    synced = run_syncd(
        "--log-level", "debug", "sync", "--once", "--census", "--config", config, env=canaries.env
    )
    assert synced.returncode == 1  # the refused source fails the command, loudly
    assert "401" in synced.stdout + synced.stderr
    outputs = [synced.stdout, synced.stderr]
    for command in (
        ("status", "--config", config),
        ("--log-level", "debug", "explain", "SHOP-1", "--config", config),
    ):
        done = run_syncd(*command, env=canaries.env)
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]

    store = open_store(load_config(setup).store_url({}))
    cells = [" ".join(cell) for cell in text_cells(store)]
    errors = [cell for cell in cells if "sync_runs error" in cell]
    assert any("401" in cell for cell in errors)
    assert any("Authorization" in cell for cell in errors)  # the echo reached the message

    outputs += _served(setup)
    leaks = {text[:80]: canaries.leaks(text) for text in [*outputs, *cells]}
    assert {text: found for text, found in leaks.items() if found} == {}
    tally("secrets: store cells searched", len(cells))


def _served(path: Path) -> list[str]:
    """One service cycle in this process: console logs with a traceback, and the endpoints."""
    stream = io.StringIO()
    configure_logging("debug", json=False, stream=stream)
    try:
        service = build_service(load_config(path), stop=threading.Event())
        service.daemon.run_once()
        _log_a_traceback_holding(path)
        with service.endpoints:
            base = f"http://127.0.0.1:{service.endpoints.port}"
            served = [requests.get(f"{base}{p}", timeout=10).text for p in ("/metrics", "/readyz")]
        service.store.engine.dispose()
    finally:
        structlog.reset_defaults()
    return [stream.getvalue(), *served]


def _log_a_traceback_holding(path: Path) -> None:
    """An exception whose message and frame locals hold the token, logged with a traceback."""
    config = load_config(path)
    jira_sources(config, stop=threading.Event())  # registers the credentials, as syncd does
    token = config.sources.jira[0].auth.secret()
    assert token is not None
    secret_value = token.get_secret_value()
    try:
        raise RuntimeError(f"cannot sign in with {secret_value}")
    except RuntimeError:
        structlog.get_logger("syncd.test").exception("sign_in_failed", token=secret_value)
