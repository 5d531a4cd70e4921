"""Secrets: a canary token in the environment never shows, in any form, anywhere syncd writes.

Two Jira sources: one signs in with the canary (and meets 500s whose bodies echo the
Authorization header back, the census's echo padded so that the header straddles the
length an error excerpt is cut to), the other sends a second canary the server refuses
(401). The sync runs at debug level; then every place is searched for every piece of both
canaries an attacker could read back (``recovered``: six characters or more, as they are,
decoded, or inside base64): JSON logs, console logs with tracebacks, error messages in the
store, every text and JSON cell of every table, ``/metrics``, ``/readyz``, ``explain`` and
``status`` (table and JSON).

The class of echoes is generated too: a property test sends random tokens and users, echoed
raw, in the Basic header, as base64 at any offset, percent-encoded, JSON-escaped, split by
whitespace and cut at any length near the excerpt's limit, through the Jira client's error
path, and finds no piece of the token in the error; an in-process run meets every echo form
of the emulator and leaves nothing in ``sync_runs.error``, ``syncd status`` or the log.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import string
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import responses
import structlog
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from reliability_support import (
    jira_source,
    open_store,
    recovered,
    run_syncd,
    scaled,
    tally,
    text_cells,
    write_config,
)
from sync_support import make_rig, source_config

from connectors.jira.config import JiraSourceConfig
from connectors.jira.emulator import Fault, JiraEmulator, generate_organisation
from connectors.jira.emulator.faults import ECHO_FORMS
from connectors.jira.source import JiraSource
from syncd.core.errors import SourceError
from syncd.core.redaction import Secret, SecretMask
from syncd.service.config import load_config
from syncd.service.logs import configure_logging
from syncd.service.run import build_service
from syncd.service.wiring import jira_sources

USER = "syncd-bot@acme.example"


class _Canaries:
    def __init__(self) -> None:
        self.good = f"canary-{secrets.token_hex(12)}"
        self.refused = f"canary-{secrets.token_hex(12)}"

    @property
    def env(self) -> dict[str, str]:
        return {"SYNCD_JIRA_TOKEN": self.good, "SYNCD_OTHER_TOKEN": self.refused}

    def leaks(self, text: str) -> list[str]:
        tally("secrets: texts searched")
        return sorted(recovered(self.good, text) | recovered(self.refused, text))


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
    # Padded so that the header straddles the cut of an error excerpt (300 characters).
    good.faults.script("/project", [Fault.echo_authorization(500, pad=218)] * 20)
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
        ("status", "--format", "json", "--config", config),
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


# -- the class of echoes, generated ---------------------------------------------------------
_TOKENS = st.text(
    alphabet=string.ascii_letters + string.digits + "-_~+/=", min_size=12, max_size=64
)
_USERS = st.none() | st.from_regex(r"[a-z0-9._-]{1,20}@[a-z0-9-]{1,12}\.example", fullmatch=True)
_API = "https://jira.example.test/rest/api/2"
_BASELINES: dict[int, str] = {}


@st.composite
def _echoes(draw: st.DrawFn) -> tuple[str, str | None, int, bytes]:
    """A token, its user (``None``: a bearer token), a status, and an error body that echoes
    the credential in one of the forms a server or proxy uses."""
    token, user = draw(_TOKENS), draw(_USERS)
    header = (
        f"Basic {base64.b64encode(f'{user}:{token}'.encode()).decode()}"
        if user is not None
        else f"Bearer {token}"
    )
    value = draw(st.sampled_from([header, token]))
    form = draw(st.sampled_from(["raw", "base64", "percent", "json", "split"]))
    if form == "base64":
        value = base64.b64encode(draw(st.binary(max_size=5)) + value.encode()).decode()
    elif form == "percent":
        value = quote(value, safe="")
    elif form == "json":
        value = "".join(
            f"\\u{ord(c):04x}" if draw(st.booleans()) else c.replace("/", "\\/") for c in value
        )
    elif form == "split":
        cuts = sorted(draw(st.sets(st.integers(1, len(value) - 1), max_size=12)))
        spaces = draw(st.lists(st.sampled_from([" ", "\n", "\r\n", "\t", "  "]), min_size=12))
        parts = [value[a:b] for a, b in zip([0, *cuts], [*cuts, len(value)], strict=True)]
        value = "".join(part + space for part, space in zip(parts, spaces, strict=False))
    value = value[: draw(st.integers(6, len(value)))]  # servers cut what they echo, too
    said = "#" * draw(st.integers(0, 420)) + f" Authorization: {value}"
    plain = draw(st.booleans())
    body = said.encode() if plain else json.dumps({"errorMessages": [said]}).encode()
    return token, user, draw(st.sampled_from([400, 401, 403, 500, 503])), body


def _client_error(token: str, user: str | None, status: int, body: bytes) -> str:
    """The error a Jira source ends with when *status* with *body* answers its first call."""
    auth = {"method": "cloud_token", "user": user} if user else {"method": "pat"}
    config = JiraSourceConfig.model_validate(
        {"name": "acme", "url": _API.removesuffix("/rest/api/2"), "auth": auth, "jql": "x = 1"}
        | {"max_attempts": 1}
    )
    with responses.RequestsMock() as mock:
        mock.get(f"{_API}/serverInfo", status=status, body=body)
        source = JiraSource(config, SecretStr(token), sleep=lambda _: None)
        with pytest.raises(SourceError) as raised:
            list(source.pages(None))
    return str(raised.value)


@settings(max_examples=scaled(150, 1500), deadline=None)
@given(_echoes())
def test_no_piece_of_an_echoed_credential_survives_in_a_source_error(
    echo: tuple[str, str | None, int, bytes],
) -> None:
    """Whatever form the server echoes the credential in, however it is cut or padded
    around the excerpt's limit, no six characters of the token can be read back from the
    error a run ends with (nor from the same text after the log mask)."""
    token, user, status, body = echo
    if status not in _BASELINES:
        _BASELINES[status] = _client_error("no-echo-baseline", None, status, b"")
    assume(not recovered(token, _BASELINES[status]))
    error = _client_error(token, user, status, body)
    assert recovered(token, error) == set(), error
    logged = SecretMask([Secret(token, user)]).mask(body.decode())
    assert recovered(token, logged) == set(), logged
    tally("secrets: generated echoes searched")


@pytest.mark.parametrize("method", ["cloud_token", "pat"])
def test_every_echo_form_leaves_nothing_in_run_errors_status_or_the_log(
    sqlite_url: str, tmp_path: Path, method: str
) -> None:
    """The emulator echoes the Authorization header in each of its forms, whole, cut by
    the server, or padded past the excerpt's limit: nothing of the token reaches
    ``sync_runs.error``, ``syncd status`` (table or JSON) or the JSON log."""
    rig = make_rig(sqlite_url, "cloud" if method == "cloud_token" else "datacenter", issues=30)
    token = f"canary-{secrets.token_hex(12)}"
    auth = {"method": method, "secret_env": "UNUSED"} | ({"user": USER} if method != "pat" else {})
    search = "/search/jql" if rig.emulator.mode == "cloud" else "/search"
    stream = io.StringIO()
    configure_logging("debug", json=True, stream=stream)
    try:
        for number, (form, pad, cut) in enumerate(
            (form, pad, cut)
            for form in ECHO_FORMS
            for pad, cut in ((0, None), (218, None), (0, 20))
        ):
            rig.emulator.faults.script(
                search, [Fault.echo_authorization(400, form=form, pad=pad, cut=cut)]
            )
            config = source_config(rig.url, name=f"echo-{number}", auth=auth, max_attempts=1)
            report = rig.engine.sync(JiraSource(config, SecretStr(token), sleep=lambda _: None))
            assert report.outcome == "failure"
            assert "Authorization" in (report.error or "")
    finally:
        structlog.reset_defaults()
        rig.emulator.stop()
    path = write_config(tmp_path / "syncd.yaml", store_url=sqlite_url, jira=[])
    shown = [
        run_syncd("status", *extra, "--config", str(path)) for extra in ((), ("--format", "json"))
    ]
    assert all(done.returncode == 0 for done in shown), shown
    errors = [cell for cell in text_cells(rig.store) if cell[:2] == ("sync_runs", "error")]
    assert len(errors) == 3 * len(ECHO_FORMS)
    texts = [stream.getvalue(), *(done.stdout for done in shown), *(cell[2] for cell in errors)]
    assert {text[:80]: recovered(token, text) for text in texts if recovered(token, text)} == {}
    tally("secrets: emulator echo forms searched", len(errors))
