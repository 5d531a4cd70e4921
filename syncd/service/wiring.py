"""Builds the concrete parts from a configuration: store, sources, pipeline."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import Engine

from mappings import MappingsConfig
from syncd.analytics import AnalyticsConfig
from syncd.app.mapping_files import MappingFiles, judging_of, load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.core.errors import ConfigError, Problem, RuleSetError, StoreBusyError, StoreError
from syncd.core.redaction import register_secret
from syncd.core.yamlfile import read_yaml
from syncd.service.config import Config, load_config
from syncd.store import (
    Store,
    WriterLock,
    check_schema,
    create_store_engine,
    current_revision,
    display_url,
    ensure_current,
    head_revision,
    this_process,
)

if TYPE_CHECKING:
    from connectors.http import RequestObserver
    from connectors.jira.source import JiraSource
    from connectors.roadmap import RoadmapSource

__all__ = [
    "checked_config",
    "jira_sources",
    "mapping_files",
    "migrate_store",
    "open_store",
    "pipeline_for",
    "roadmap_sources",
    "writing",
]

_MIGRATION_WAIT_SECONDS = 120.0


def checked_config(path: Path) -> Config:
    """The configuration at *path*, or ``ConfigError`` listing every problem at once: the
    file's own and, when its ``mappings`` section can be read, those of the mapping files it
    names (which ``mapping_files`` otherwise reports once the file itself is valid)."""
    try:
        return load_config(path)
    except ConfigError as error:
        problems = [*error.problems, *_mapping_problems(path)]
        raise ConfigError(str(error).splitlines()[0], problems) from None


def _mapping_problems(path: Path) -> list[Problem]:
    try:
        data = read_yaml(path.read_text(encoding="utf-8"), str(path)).data
    except (OSError, UnicodeDecodeError):
        return []
    if not isinstance(data, dict):
        return []
    try:
        files = MappingsConfig.model_validate(data.get("mappings") or {})
    except ValidationError:
        return []  # already among the file's own problems
    try:
        judging = judging_of(AnalyticsConfig.model_validate(data.get("analytics") or {}))
    except ValidationError:
        judging = None
    try:
        load_mapping_files(files.resolved(path.parent), judging)
    except RuleSetError as error:
        return list(error.problems)
    return []


def mapping_files(config: Config) -> MappingFiles:
    """The configured mapping files, validated together and against the analytics settings
    (an agreement judged on a window or weighting not computed is a problem)."""
    return load_mapping_files(config.mapping_paths(), judging_of(config.analytics))


def open_store(config: Config, *, upgrade: bool | None = None) -> Store:
    """Connect to the configured store, upgrading its schema or refusing with a clear message."""
    engine = create_store_engine(config.store_url())
    migrate_store(engine, config.store.upgrade_on_start if upgrade is None else upgrade)
    return Store(engine, compress_payloads=config.store.compress_payloads)


def migrate_store(engine: Engine, upgrade_if_behind: bool = True) -> None:
    """``ensure_current`` for one process at a time: replicas that start together on an empty
    store would otherwise run the same migration twice and the second would fail.

    A store already at head is not locked at all (the common start); its tables are still
    checked (``StoreSchemaError`` when one was changed by hand).
    """
    if current_revision(engine) == head_revision():
        check_schema(engine)
        return
    lock = WriterLock(engine, "migrate")
    if not lock.acquire_within(_MIGRATION_WAIT_SECONDS):
        raise StoreError(
            f"another syncd has been migrating the store at {display_url(engine.url)} for "
            f"{_MIGRATION_WAIT_SECONDS:.0f} s; try again when it is done"
        )
    try:
        ensure_current(engine, upgrade_if_behind=upgrade_if_behind)
    finally:
        lock.release()


@contextmanager
def writing(
    store: Store,
    command: str,
    *,
    wait: bool = False,
    on_wait: Callable[[str], None] = lambda _: None,
) -> Iterator[None]:
    """Hold the store's writer lock, the one a running service's daemon takes, while
    *command* writes, so a one-off command never writes beside the service or another command.

    When the lock is held elsewhere: ``StoreBusyError`` naming the holder, or with *wait*,
    *on_wait* receives the holder's description and the lock is awaited.
    """
    lock = WriterLock(store.engine, holder=this_process(command))
    if not lock.acquire():
        holder = lock.holder() or "another syncd (it did not say who)"
        if not wait:
            raise StoreBusyError(
                f"{command} did not start: the store at {display_url(store.engine.url)} is "
                f"being written by {holder}; try again when it is done, or pass --wait"
            )
        on_wait(holder)
        lock.acquire_within(float("inf"), poll_seconds=1.0)
    try:
        yield
    finally:
        lock.release()


def jira_sources(
    config: Config,
    *,
    stop: threading.Event,
    observer: RequestObserver | None = None,
    only: Callable[[str], bool] = lambda _: True,
) -> list[JiraSource]:
    """One ``JiraSource`` per configured Jira instance; credentials are registered for masking."""
    # Imported here: commands that read only the store do not load the HTTP client.
    from connectors.jira.client import credentials
    from connectors.jira.source import JiraSource

    sources = []
    for source_config in config.sources.jira:
        if not only(source_config.name):
            continue
        secret = source_config.auth.secret()
        for credential in credentials(source_config, secret):
            register_secret(credential.value, credential.user)
        sources.append(JiraSource(source_config, secret, stop_event=stop, observer=observer))
    return sources


def roadmap_sources(config: Config) -> list[RoadmapSource]:
    """One ``RoadmapSource`` per configured export; relative paths resolve against the file;
    auth header values are registered for masking."""
    from connectors.roadmap import RoadmapSource, auth_secrets

    base = config.path.parent if config.path is not None else None
    for source in config.sources.roadmaps:
        for secret in auth_secrets(source, os.environ):
            register_secret(secret)
    return [RoadmapSource(source, base_dir=base) for source in config.sources.roadmaps]


def pipeline_for(config: Config, store: Store) -> Pipeline:
    """The pipeline of a one-off command over *store*: the configured mapping files, the
    analytics settings and every configured roadmap export.

    Exports are read on each refresh as the service reads them, so the key results an export
    brings stay in the OKR model (or, when it cannot be read, those stored from its last good
    read), and the OKR file stays the authority over both.
    """
    return Pipeline(store, mapping_files(config), config.analytics, roadmap_sources(config))
