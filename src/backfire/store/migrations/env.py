"""Alembic's environment: always run online, on the connection `store._schema` hands over."""

from __future__ import annotations

from alembic import context

from backfire.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
