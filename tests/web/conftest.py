"""The demo organisation served in-process, with the web view behind a token or open.

``demo_web`` syncs a seeded demo organisation (plus one issue whose summary is HTML) from
the Jira emulator into a SQLite store, runs the service (daemon and endpoints) in a thread
and yields once the first cycle is done. The token comes from a mounted file.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from connectors.jira.emulator import JiraEmulator, generate_organisation
from connectors.jira.emulator.roadmap_exports import write_roadmap_exports
from syncd.service.config import load_config
from syncd.service.demo import write_demo_config
from syncd.service.run import build_service, serve
from syncd.web.settings import WebConfig

from .web_support import HOSTILE_SUMMARY, WebRig


@contextmanager
def _served(workdir: Path, web: WebConfig, token: str | None) -> Iterator[WebRig]:
    org = generate_organisation(issues=400, seed=7, now=datetime.now(UTC))
    emulator = JiraEmulator(org, "cloud", user_timezone="America/Los_Angeles")
    jira_url = emulator.start()
    try:
        created = emulator.create("PLAT", "Bug", summary=HOSTILE_SUMMARY, labels=["incident"])
        hostile = emulator.state.get(created)
        assert hostile is not None
        exports = write_roadmap_exports(org, workdir / "roadmaps", jira_url=jira_url)
        path = write_demo_config(workdir, jira_url, exports, port=0)
        config = load_config(path).model_copy(update={"web": web})
        service = build_service(config)
        urls: list[str] = []
        thread = threading.Thread(target=serve, args=(service,), kwargs={"announce": urls.append})
        thread.start()
        try:
            _wait_ready(urls)
            yield WebRig(urls[0], config, token, hostile.key)
        finally:
            service.stop.set()
            thread.join(30)
    finally:
        emulator.stop()


def _wait_ready(urls: list[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if urls and requests.get(urls[0] + "/readyz", timeout=5).status_code == 200:
            return
        time.sleep(0.2)
    raise AssertionError("the service was not ready in time")


@pytest.fixture(scope="module")
def demo_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebRig]:
    """The demo service with the web view behind a bearer token read from a mounted file, and
    pages of 10 issues so that figures span several."""
    workdir = tmp_path_factory.mktemp("web-token")
    token = secrets.token_urlsafe(24)
    token_file = workdir / "web-token"
    token_file.write_text(token + "\n", encoding="utf-8")
    web = WebConfig(auth="token", secret_env=None, secret_file=token_file, page_size=10)
    with _served(workdir / "demo", web, token) as rig:
        yield rig


@pytest.fixture(scope="module")
def open_demo_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebRig]:
    """The demo service as ``syncd demo`` configures it: ``auth: none``."""
    workdir = tmp_path_factory.mktemp("web-open")
    with _served(workdir / "demo", WebConfig(auth="none"), None) as rig:
        yield rig
