"""Alembic's environment: always run online, on the connection `store._schema` hands over.

Alembic executes this file while it runs a command; imported any other way (a doctest walk of the
package), it does nothing.
"""

from __future__ import annotations

from alembic import context

from backfire.store.tables import metadata


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "_proxy", None) is not None:  # inside an Alembic command
    run()
