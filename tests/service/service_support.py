"""syncd as a real process for the service tests: start it, find its port, scrape it, stop it.

Every helper talks to syncd the way an operator or Prometheus does: the command line
(``python -m syncd``), its structured log lines on stderr, and HTTP over loopback.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from prometheus_client.parser import text_string_to_metric_families

import mappings.examples
from connectors.jira.emulator import JiraEmulator

__all__ = [
    "BUNDLED",
    "PROJECTS",
    "SHARE_SERIES",
    "TARGET_SERIES",
    "Samples",
    "SyncdProcess",
    "emulator_issue_count",
    "free_port",
    "http_get",
    "matched_snapshot",
    "report_json",
    "report_series",
    "run_syncd",
    "snapshot_series",
    "syncd_env",
    "wait_until",
    "write_config",
]

BUNDLED = Path(mappings.examples.__file__).parent
PROJECTS = ("SHOP", "GROW", "MOB", "PLAT", "DATA")
_SYNCD = (sys.executable, "-m", "syncd")
_T = TypeVar("_T")
# Series whose values come from the snapshot's share rows, as the report lists them; the
# report's team "all" is the organisation, whose series are the syncd_org_ families.
SHARE_SERIES = ("syncd_work_share_ratio", "syncd_work_share_drift_ratio")
TARGET_SERIES = "syncd_work_share_target_ratio"
_ORG = "all"


def _scoped(name: str, team: str) -> str:
    return name.replace("syncd_", "syncd_org_", 1) if team == _ORG else name


def _team_labels(team: str) -> dict[str, str]:
    return {} if team == _ORG else {"team": team}


Labels = frozenset[tuple[str, str]]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def syncd_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ``SYNCD_*`` setting, plus *extra*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env.update(extra)
    return env


def run_syncd(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one ``syncd`` command to its end; its exit code, stdout and stderr."""
    return subprocess.run(  # noqa: S603 - fixed program, test-chosen arguments
        [*_SYNCD, *args],
        cwd=cwd,
        env=dict(env) if env is not None else syncd_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_config(
    folder: Path,
    jira_url: str,
    store_url: str,
    *,
    interval_seconds: float = 2.0,
    port: int = 0,
    grace_seconds: float = 10.0,
    name: str = "config.yaml",
    source: Mapping[str, Any] | None = None,
    mapping_files: Mapping[str, Path] | None = None,
) -> Path:
    """A configuration over the emulator at *jira_url* with the bundled mapping files, or
    those *mapping_files* names in their place (by kind: ``rules``, ``okrs``...)."""
    jira: dict[str, Any] = {
        "name": "acme",
        "url": jira_url,
        "auth": {"method": "none"},
        "projects": list(PROJECTS),
        "interval_seconds": interval_seconds,
        "request_timeout_seconds": 5,
        "max_attempts": 2,
    }
    jira.update(source or {})
    config = {
        "store": {"url": store_url},
        "service": {"host": "127.0.0.1", "port": port, "grace_seconds": grace_seconds},
        "sources": {"jira": [jira]},
        "mappings": {
            kind: str(BUNDLED / f"{kind}.yaml") for kind in ("rules", "okrs", "agreements", "teams")
        },
    }
    config["mappings"].update({kind: str(path) for kind, path in (mapping_files or {}).items()})
    path = folder / name
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def wait_until(check: Callable[[], _T | None], timeout: float, what: str) -> _T:
    """Poll *check* every 0.1 s until it returns something other than None or False."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Status and body of a GET; an HTTP error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass(frozen=True)
class Samples:
    """One scrape of ``/metrics``: every sample by name and label set."""

    values: Mapping[tuple[str, Labels], float]

    @classmethod
    def parse(cls, text: str) -> Samples:
        """Parse the Prometheus text exposition format."""
        values = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        return cls(values)

    def get(self, name: str, **labels: str) -> float | None:
        """The value of the sample with exactly these labels, or None."""
        return self.values.get((name, frozenset(labels.items())))

    def series(self, *names: str) -> dict[tuple[str, Labels], float]:
        """Every sample of the named series."""
        return {key: value for key, value in self.values.items() if key[0] in names}

    @property
    def snapshot_time(self) -> float | None:
        """``syncd_snapshot_timestamp_seconds``: which analytics snapshot is served."""
        return self.get("syncd_snapshot_timestamp_seconds")


class SyncdProcess:
    """A long-running ``syncd`` command (``run`` or ``demo``) with its stderr kept in a file."""

    def __init__(
        self, args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, tag: str = ""
    ) -> None:
        self.log_path = cwd / f"syncd{tag}.log"
        self._out_path = cwd / f"syncd{tag}.out"
        with self.log_path.open("wb") as log, self._out_path.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed program, test-chosen arguments
                [*_SYNCD, *args],
                cwd=cwd,
                env=dict(env) if env is not None else syncd_env(),
                stdout=out,
                stderr=log,
            )
        self._base: str | None = None

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def stderr(self) -> str:
        """Everything written to stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stdout(self) -> str:
        """Everything written to stdout so far."""
        return self._out_path.read_text(encoding="utf-8", errors="replace")

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The structured log events (JSON lines) so far, optionally only those named *name*."""
        found = []
        for line in self.stderr().splitlines():
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line still being written
            if name is None or event.get("event") == name:
                found.append(event)
        return found

    def base_url(self, timeout: float = 30.0) -> str:
        """The endpoints' base URL, read from the ``serving`` event (the bound port)."""
        if self._base is None:

            def serving() -> str | None:
                self._alive("logged `serving`")
                events = self.events("serving")
                return str(events[0]["url"]) if events else None

            self._base = wait_until(serving, timeout, "the `serving` log event")
        return self._base

    def wait_ready(self, timeout: float = 30.0) -> str:
        """Wait for ``/readyz`` to answer 200; the base URL."""
        base = self.base_url(timeout)

        def ready() -> bool:
            self._alive("became ready")
            try:
                return http_get(f"{base}/readyz", timeout=2)[0] == 200
            except OSError:
                return False

        wait_until(ready, timeout, f"{base}/readyz to answer 200")
        return base

    def scrape(self) -> Samples:
        """One scrape of ``/metrics``."""
        status, body = http_get(f"{self.base_url()}/metrics")
        assert status == 200, body
        return Samples.parse(body.decode())

    def terminate(self, timeout: float) -> int:
        """SIGTERM, then the exit code (fails the test if it does not exit within *timeout*)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"syncd did not exit within {timeout} s of SIGTERM") from None

    def kill(self) -> None:
        """SIGKILL (no clean-up at all) and reap."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def _alive(self, what: str) -> None:
        if self.process.poll() is not None:
            raise AssertionError(
                f"syncd exited with {self.process.returncode} before it {what}:\n{self.stderr()}"
            )

    def __enter__(self) -> SyncdProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()


def report_json(config: Path, cwd: Path) -> dict[str, Any]:
    """``syncd report --format json`` for *config*, parsed."""
    result = run_syncd("report", "--config", str(config), "--format", "json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def report_series(report: Mapping[str, Any]) -> dict[tuple[str, Labels], float]:
    """The share, drift and band series the report's rows imply, as /metrics should show them."""
    expected: dict[tuple[str, Labels], float] = {}
    for team in report["teams"]:
        name_of = team["team"]
        for row in team["shares"]:
            subject = {
                **_team_labels(name_of),
                "work_class": row["work_class"],
                "category": row["category"],
                "window": row["window"],
            }
            work = frozenset({**subject, "weighting": row["weighting"]}.items())
            for name, field in zip(SHARE_SERIES, ("share", "drift"), strict=True):
                if row[field] is not None:
                    expected[(_scoped(name, name_of), work)] = row[field]
            if row["agreement_id"] is not None:
                for bound in ("min", "max"):
                    if row[f"band_{bound}"] is not None:
                        labels = frozenset({**subject, "bound": bound}.items())
                        expected[(_scoped(TARGET_SERIES, name_of), labels)] = row[f"band_{bound}"]
    return expected


def snapshot_series(samples: Samples, report: Mapping[str, Any]) -> dict[tuple[str, Labels], float]:
    """The scraped share, drift and band series for the subjects the report covers.

    The report lists each work class as a whole and the categories with an agreement; the
    metrics carry every category, so the comparison is limited to the report's subjects.
    """
    covered = {
        (team["team"], row["work_class"], row["category"])
        for team in report["teams"]
        for row in team["shares"]
    }

    def reported(labels: Labels) -> bool:
        named = dict(labels)
        return (named.get("team", _ORG), named["work_class"], named["category"]) in covered

    names = [*SHARE_SERIES, TARGET_SERIES]
    return {
        key: value
        for key, value in samples.series(*names, *(_scoped(n, _ORG) for n in names)).items()
        if reported(key[1])
    }


def matched_snapshot(
    scrape: Callable[[], Samples], config: Path, cwd: Path, timeout: float = 30.0
) -> tuple[Samples, dict[str, Any]]:
    """A scrape and a report of the same analytics snapshot.

    The service computes a new snapshot after each sync, so a scrape, the report and a
    second scrape are retried until all three name the same snapshot.
    """

    def attempt() -> tuple[Samples, dict[str, Any]] | None:
        before = scrape()
        report = report_json(config, cwd)
        after = scrape()
        served = before.snapshot_time
        reported = datetime.fromisoformat(report["computed_at"]).timestamp()
        if served is None or served != after.snapshot_time:
            return None
        return (after, report) if math.isclose(served, reported, abs_tol=1e-5) else None

    return wait_until(attempt, timeout, "a scrape and a report of the same snapshot")


def emulator_issue_count(emulator: JiraEmulator) -> int:
    """How many issues the emulator's search can see (what a complete sync stores)."""
    state = emulator.state
    return sum(
        1
        for project in state.visible_projects()
        for issue_id in state.project_ids(project.key)
        if state.get(issue_id) is not None
    )
