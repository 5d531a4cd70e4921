"""Alembic environment: runs on the connection ``syncd.store.migrate`` hands over.

There is no alembic.ini; the configuration is built in code, and the connection (with its
already-open transaction) arrives through ``config.attributes["connection"]``. The version
table is alembic's default (``alembic_version`` in the connection's default schema), which
``syncd.store.migrate.current_revision`` reads by that name: configure another here, and
change it there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from syncd.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("syncd migrations run only through syncd.store.migrate")
    _run(connection)


_main()
