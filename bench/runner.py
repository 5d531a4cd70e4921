"""Running contenders in their own processes and collecting what they report."""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bench.contenders import peak_rss_mb

__all__ = ["PROJECTS", "Samples", "contender", "scrape_service", "write_config"]

_BUNDLED = Path(__file__).resolve().parent.parent / "mappings" / "examples"
PROJECTS = ("SHOP", "GROW", "MOB", "PLAT", "DATA")


@dataclass
class Samples:
    """Repeated measurements of one contender: seconds and peak RSS per run."""

    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)

    def add(self, result: dict[str, Any]) -> None:
        """Record one run's result."""
        self.seconds.append(result["seconds"])
        self.rss_mb.append(result["peak_rss_mb"])
        for name, value in result.items():
            if name not in ("seconds", "peak_rss_mb") and isinstance(value, int | float):
                self.extra.setdefault(name, []).append(float(value))

    @property
    def median(self) -> float:
        """Median seconds."""
        return statistics.median(self.seconds)

    @property
    def rss(self) -> float:
        """Median peak RSS in MiB."""
        return statistics.median(self.rss_mb)

    def median_of(self, name: str) -> float:
        """Median of an extra figure."""
        return statistics.median(self.extra[name])


def contender(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``bench.contenders NAME`` in a fresh interpreter; its JSON result."""
    command = [sys.executable, "-m", "bench.contenders", name, json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"contender {name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def write_config(
    workdir: Path,
    url: str,
    store_url: str,
    *,
    page_size: int,
    rules: Path | None = None,
    port: int = 0,
    changelog: bool = True,
    weightings: tuple[str, ...] | None = None,
) -> Path:
    """A syncd configuration, in *workdir*, for the emulator at *url* and the store at
    *store_url* (reading histories unless *changelog* is false; the default weightings unless
    *weightings* names them)."""
    config = {
        "store": {"url": store_url},
        "service": {"host": "127.0.0.1", "port": port, "grace_seconds": 5},
        "sources": {
            "jira": [
                {
                    "name": "acme",
                    "url": url,
                    "auth": {"method": "none"},
                    "projects": list(PROJECTS),
                    "page_size": page_size,
                    # One fetch thread per project partition: with 4 threads for 5 projects
                    # the fifth waits, and the slowest thread fetches 34% of the pages.
                    "concurrency": len(PROJECTS),
                    "interval_seconds": 3600,
                    "sweep_interval_seconds": 86400,
                    "changelog": changelog,
                }
            ],
        },
        "mappings": {
            "rules": str(rules or _BUNDLED / "rules.yaml"),
            **{name: str(_BUNDLED / f"{name}.yaml") for name in ("okrs", "agreements", "teams")},
        },
    }
    name = "syncd.yaml" if rules is None else f"syncd-{rules.stem}.yaml"
    if weightings is not None:
        config["analytics"] = {"weightings": list(weightings)}
        name = f"{'-'.join(weightings)}-{name}"
    path = workdir / (name if changelog else f"nochangelog-{name}")
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def changed_rules(workdir: Path) -> Path:
    """The bundled rules with one rule's decision changed: performance work becomes product."""
    text = (_BUNDLED / "rules.yaml").read_text(encoding="utf-8")
    changed = text.replace(
        "then: {work_class: technology, category: performance}",
        "then: {work_class: product, category: feature}",
    )
    if changed == text:
        raise RuntimeError("the bundled rules no longer hold the rule the benchmark changes")
    path = workdir / "rules-changed.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _service(workdir: Path, url: str, store_url: str, page_size: int) -> Iterator[tuple[str, int]]:
    port = _free_port()
    config = write_config(workdir, url, store_url, page_size=page_size, port=port)
    command = [str(Path(sys.executable).parent / "syncd"), "run", "--config", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"syncd run exited with {process.returncode}")
            try:
                if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("syncd run did not become ready")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def scrape_service(
    workdir: Path, url: str, store_url: str, page_size: int, scrapes: int
) -> dict[str, Any]:
    """Start ``syncd run`` over the stored organisation and time *scrapes* ``/metrics`` GETs."""
    with _service(workdir, url, store_url, page_size) as (base, pid):
        session = requests.Session()
        session.get(f"{base}/metrics", timeout=30)  # warm the connection
        times: list[float] = []
        size = 0
        for _ in range(scrapes):
            began = time.perf_counter()
            answer = session.get(f"{base}/metrics", timeout=30)
            times.append(time.perf_counter() - began)
            size = len(answer.content)
        times.sort()
        series = sum(1 for line in answer.text.splitlines() if line and line[0] != "#")
        return {
            "median_ms": 1000 * statistics.median(times),
            "p99_ms": 1000 * times[min(len(times) - 1, int(0.99 * len(times)))],
            "bytes": size,
            "series": series,
            "service_rss_mb": peak_rss_mb(str(pid)),
        }
