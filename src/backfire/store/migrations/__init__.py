"""Alembic revisions of the store's schema, shipped with the package (no alembic.ini needed).

`store._schema.upgrade` runs them for both stores; `alembic revision` for a new one can be run with
`-c` pointing at any ini whose `script_location` is `backfire.store:migrations`.
"""
