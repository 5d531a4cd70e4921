"""Builds the concrete parts from a configuration: store, sources, engine."""

from __future__ import annotations

import threading
from collections.abc import Callable

from connectors.http import RequestObserver
from connectors.jira.source import JiraSource
from connectors.roadmap import RoadmapSource
from syncd.config import Config
from syncd.logs import register_secret
from syncd.store import Store, create_store_engine, ensure_current

__all__ = ["jira_sources", "open_store", "roadmap_sources"]


def open_store(config: Config, *, upgrade: bool | None = None) -> Store:
    """Connect to the configured store, upgrading its schema or refusing with a clear message."""
    engine = create_store_engine(config.store_url())
    ensure_current(
        engine, upgrade_if_behind=config.store.upgrade_on_start if upgrade is None else upgrade
    )
    return Store(engine)


def jira_sources(
    config: Config,
    *,
    stop: threading.Event,
    observer: RequestObserver | None = None,
    only: Callable[[str], bool] = lambda _: True,
) -> list[JiraSource]:
    """One ``JiraSource`` per configured Jira instance; credentials are registered for masking."""
    sources = []
    for source_config in config.sources.jira:
        if not only(source_config.name):
            continue
        secret = source_config.auth.secret()
        if secret is not None:
            register_secret(secret.get_secret_value())
        sources.append(JiraSource(source_config, secret, stop_event=stop, observer=observer))
    return sources


def roadmap_sources(config: Config) -> list[RoadmapSource]:
    """One ``RoadmapSource`` per configured export; relative paths resolve against the file."""
    base = config.path.parent if config.path is not None else None
    return [RoadmapSource(source, base_dir=base) for source in config.sources.roadmaps]
