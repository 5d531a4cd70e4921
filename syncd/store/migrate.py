"""Schema migrations: upgrade to head, read the current revision, refuse a stale schema.

Alembic is configured in code with ``script_location`` pointing inside this package, so a
wheel install needs no alembic.ini.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.core.errors import StoreError
from syncd.store.engine import display_url

__all__ = ["current_revision", "ensure_current", "head_revision", "upgrade"]

_SCRIPT_LOCATION = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    return config


def head_revision() -> str:
    """The revision this version of syncd needs."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise StoreError("syncd ships no store migrations")
    return head


def upgrade(engine: Engine) -> None:
    """Upgrade the store behind *engine* to the head revision, in one transaction."""
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot upgrade the store at {display_url(engine.url)}: {_first_line(error)}"
        ) from error


def current_revision(engine: Engine) -> str | None:
    """The store's revision, or ``None`` for a store that was never migrated."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot reach the store at {display_url(engine.url)}: {_first_line(error)}"
        ) from error


def ensure_current(engine: Engine, upgrade_if_behind: bool) -> None:
    """Make sure the schema is at head: upgrade it, or raise ``StoreError`` saying what to run.

    A revision this syncd does not know (written by a newer syncd) is always refused.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    where = display_url(engine.url)
    known = current is None or _is_known(current)
    if not known:
        raise StoreError(
            f"the store at {where} is at revision {current}, which this syncd does not know "
            f"(it needs {head}): the store was migrated by a newer syncd"
        )
    if not upgrade_if_behind:
        shown = current or "none (empty store)"
        raise StoreError(
            f"the store at {where} is at revision {shown}, this syncd needs {head}: "
            "run `syncd db upgrade`"
        )
    upgrade(engine)


def _is_known(revision: str) -> bool:
    script = ScriptDirectory.from_config(_config())
    return any(rev.revision == revision for rev in script.walk_revisions())


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}".rstrip(": ")
