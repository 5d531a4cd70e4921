"""Drill-down latency: pages of 100 issues behind the figures of a large store, over HTTP.

Run: ``.venv/bin/python -m bench.drilldown [--issues 200000] [--requests 400] [--seed 7]``.

The emulator (its own process) serves a seeded Data Center organisation; syncd syncs it
(histories included) into a fresh SQLite file and refreshes once, then serves the web view
behind a bearer token on loopback, through waitress, as ``syncd run`` does. The first
request builds the drill-down index of the snapshot (reported apart: ``cold``); then
``--requests`` requests pick a figure with work in it at random (every team, window,
subject and weighting the snapshot has), a sort column and order and a page at random,
and ask for the HTML page (100 rows) and its JSON twin alternately. Printed: p50, p95 and
max per kind, the cold build and the resident memory it added, and the process's peak RSS.
Goal: p95 <= 200 ms at 200k.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.contenders import peak_rss_mb
from bench.emulator import EmulatorProcess
from bench.runner import write_config

_GOAL_P95_MS = 200.0
_TOKEN_VARIABLE = "SYNCD_BENCH_WEB_TOKEN"  # noqa: S105 - the variable's name, not a secret
_SORTS = ("weight", "key", "summary", "type", "status", "resolved")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.drilldown", description=__doc__)
    parser.add_argument("--issues", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def _prepared(workdir: Path, url: str) -> Any:
    """Sync the emulator into a fresh store and refresh once; the wired service."""
    import threading

    from syncd.app.sync import SyncEngine
    from syncd.service.config import load_config
    from syncd.service.logs import configure_logging
    from syncd.service.run import build_service
    from syncd.service.wiring import jira_sources
    from syncd.web.settings import WebConfig

    configure_logging("warning")
    path = write_config(workdir, url, f"sqlite:///{workdir / 'syncd.db'}", page_size=1000)
    config = load_config(path).model_copy(
        update={"web": WebConfig(auth="token", secret_env=_TOKEN_VARIABLE)}
    )
    service = build_service(config)
    (source,) = jira_sources(config, stop=threading.Event())
    started = time.perf_counter()
    SyncEngine(service.store).sync(source, full=True)
    print(f"sync: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    service.pipeline.refresh()
    print(f"refresh: {time.perf_counter() - started:.1f} s")
    return service


def _figures(base: str, headers: dict[str, str]) -> list[dict[str, str]]:
    overview = requests.get(f"{base}/api/v1/overview", headers=headers, timeout=600).json()
    figures = []
    for team in overview["teams"]:
        for window in team["windows"]:
            for subject in window["subjects"]:
                for weighting, figure in subject["weightings"].items():
                    if figure["completed"] > 0:
                        figures.append(
                            {
                                "team": team["team"],
                                "window": window["window"],
                                "work_class": subject["work_class"],
                                "category": subject["category"],
                                "weighting": weighting,
                            }
                        )
    return figures


def _measure(
    base: str, headers: dict[str, str], figures: list[dict[str, str]], count: int, seed: int
) -> dict[str, list[float]]:
    chooser = random.Random(seed)
    pages: dict[tuple[str, ...], int] = {}
    timings: dict[str, list[float]] = {"html": [], "json": []}
    session = requests.Session()
    for number in range(count):
        figure = chooser.choice(figures)
        known = pages.get(tuple(figure.values()), 1)
        params = {
            **figure,
            "sort": chooser.choice(_SORTS),
            "order": chooser.choice(("asc", "desc")),
            "page": str(chooser.randint(1, known)),
        }
        kind = "json" if number % 2 else "html"
        path = "/api/v1/drilldown" if kind == "json" else "/drilldown"
        started = time.perf_counter()
        response = session.get(base + path, params=params, headers=headers, timeout=60)
        timings[kind].append(time.perf_counter() - started)
        response.raise_for_status()
        if kind == "json":
            pages[tuple(figure.values())] = response.json()["pages"]
    return timings


def _resident_mb() -> float:
    """The process's resident set now (``VmRSS``), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    """Run the benchmark and print its figures."""
    args = _arguments()
    token = secrets.token_urlsafe(24)
    os.environ[_TOKEN_VARIABLE] = token
    headers = {"Authorization": f"Bearer {token}"}
    with (
        tempfile.TemporaryDirectory() as folder,
        EmulatorProcess("datacenter", args.issues, seed=args.seed) as emulator,
    ):
        service = _prepared(Path(folder), emulator.url)
        service.endpoints.start()
        base = f"http://127.0.0.1:{service.endpoints.port}"
        try:
            figures = _figures(base, headers)
            before = _resident_mb()
            started = time.perf_counter()
            first = requests.get(
                f"{base}/api/v1/drilldown", params=figures[0], headers=headers, timeout=600
            )
            first.raise_for_status()
            cold = time.perf_counter() - started
            index_mb = _resident_mb() - before
            timings = _measure(base, headers, figures, args.requests, args.seed)
        finally:
            service.endpoints.stop()
    print(f"drill-down, {args.issues} issues, pages of 100 rows, {args.requests} requests")
    print(f"  cold (index build on the first request): {cold:.2f} s, +{index_mb:.0f} MB resident")
    for kind, values in timings.items():
        p95 = _percentile(values, 0.95) * 1000
        verdict = "OK" if p95 <= _GOAL_P95_MS else "missed"
        print(
            f"  {kind:<4} p50 {statistics.median(values) * 1000:7.1f} ms   "
            f"p95 {p95:7.1f} ms ({verdict}, goal {_GOAL_P95_MS:.0f})   "
            f"max {max(values) * 1000:7.1f} ms"
        )
    print(f"  peak RSS of the process: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
