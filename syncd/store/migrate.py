"""Schema migrations: upgrade to head, read the current revision, refuse a stale schema.

Alembic is configured in code with ``script_location`` pointing inside this package, so a
wheel install needs no alembic.ini. A store whose version table holds several revisions, or
that lacks a table or column syncd uses (changed by hand), is refused with a
``StoreSchemaError`` saying what is wrong and what to do (``check_schema``).

A store at head, every command's start, is checked without alembic (its import costs a
command's start-up more than the check): ``HEAD_REVISION`` names the newest migration (a test
holds it to the migrations' head as alembic reads it), and the revision is read from alembic's
version table with one query.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import Engine, column, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import TableClause

from syncd.core.errors import StoreError
from syncd.store.engine import display_url
from syncd.store.failures import schema_error, translated
from syncd.store.schema import metadata

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "check_schema",
    "current_revision",
    "ensure_current",
    "head_revision",
    "upgrade",
]

HEAD_REVISION: Final = "0005"
"""The revision this version of syncd needs: its newest migration's."""
_SCRIPT_LOCATION = Path(__file__).with_name("migrations")
_VERSION_TABLE = "alembic_version"
_REVISIONS = select(TableClause(_VERSION_TABLE, column("version_num")))


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    return config


def head_revision() -> str:
    """The revision this version of syncd needs (``HEAD_REVISION``)."""
    return HEAD_REVISION


def upgrade(engine: Engine) -> None:
    """Upgrade the store behind *engine* to the head revision, in one transaction."""
    from alembic import command

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
    """The store's revision, or ``None`` for a store that was never migrated.

    Raises ``StoreSchemaError`` when the version table holds more than one revision.
    """
    try:
        with engine.connect() as connection:
            migrated = inspect(connection).has_table(_VERSION_TABLE)
            heads = list(connection.execute(_REVISIONS).scalars()) if migrated else []
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot reach the store at {display_url(engine.url)}: {_first_line(error)}"
        ) from error
    if len(heads) > 1:
        listed = ", ".join(sorted(heads))
        raise schema_error(
            engine, f"alembic_version holds {len(heads)} revisions ({listed}), one expected"
        )
    return heads[0] if heads else None


def check_schema(engine: Engine) -> None:
    """Raise ``StoreSchemaError`` naming every table and column syncd uses that is missing."""
    with translated(engine, "read the store's schema"):
        inspector = inspect(engine)
        present = set(inspector.get_table_names())
        wanted = [table.name for table in metadata.sorted_tables if table.name in present]
        columns = inspector.get_multi_columns(filter_names=wanted) if wanted else {}
    found = {table: {column["name"] for column in listed} for (_, table), listed in columns.items()}
    problems = []
    for table in metadata.sorted_tables:
        if table.name not in found:
            problems.append(f"table {table.name} is missing")
            continue
        problems += [
            f"column {table.name}.{column.name} is missing"
            for column in table.columns
            if column.name not in found[table.name]
        ]
    if problems:
        raise schema_error(engine, "; ".join(problems))


def ensure_current(engine: Engine, upgrade_if_behind: bool) -> None:
    """Make sure the schema is at head: upgrade it, or raise ``StoreError`` saying what to run.

    A revision this syncd does not know (written by a newer syncd) is always refused.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        check_schema(engine)
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
    check_schema(engine)


def _is_known(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    return any(rev.revision == revision for rev in script.walk_revisions())


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}".rstrip(": ")
