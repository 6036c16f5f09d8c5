"""Baseline: the store as schema 5 of the hand-rolled migrations had it (`store/tables.py`), per database.

Creates only what is missing, so it also brings a SQLite file of schema 1 to 4 (after `store/_migrate.py`
added the columns those lack) up to date in place. SQLite gains its FTS5 search index; PostgreSQL its
full-text index (over a `search` column the writer folds as FTS5 folds), insertion-order columns (SQLite's
rowid), the arrival sequence of campaign posts, and the change counter `data_version` sums (bumped once
per writing transaction by a statement trigger).

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Connection, text

from backfire.store.tables import ORDERED, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA_VERSION = "5"  # what `meta.schema_version` says once this revision ran (read by earlier versions)

SQLITE = [
    # Full-text search over posts (external content). Rows are indexed lazily up to meta 'fts_rowid'
    # (store/_aggregate.py); an edit of an already indexed post re-indexes it here.
    "CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(text, author, content='posts', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 2')",
    """CREATE TRIGGER IF NOT EXISTS posts_fts_edit AFTER UPDATE OF text, author ON posts
WHEN old.rowid <= COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_rowid'), 0)
BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, text, author) VALUES ('delete', old.rowid, old.text, old.author);
    INSERT INTO posts_fts (rowid, text, author) VALUES (new.rowid, new.text, new.author);
END""",
]

def _postgres(bind: Connection) -> None:
    schema = bind.execute(text("SELECT current_schema()")).scalar_one()
    q = f'"{schema}"'
    for name in ORDERED:  # insertion order, read where SQLite reads rowid
        op.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS n BIGSERIAL")
    op.execute("CREATE SEQUENCE IF NOT EXISTS campaign_seq")
    # The text search reads: text and author with diacritics and punctuation folded away by the writer
    # (`store/pg/_search.py`), as SQLite's FTS5 tokenizer folds them.
    op.execute("ALTER TABLE posts ADD COLUMN IF NOT EXISTS search TEXT")
    op.execute("CREATE INDEX IF NOT EXISTS posts_search ON posts USING gin (to_tsvector('simple'::regconfig, search))")
    op.execute("CREATE TABLE IF NOT EXISTS changes (slot INTEGER PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0)")
    op.execute(f"""CREATE OR REPLACE FUNCTION {q}.backfire_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF current_setting('backfire.changed', true) IS DISTINCT FROM txid_current()::text THEN
        INSERT INTO {q}.changes AS c (slot, n) VALUES (pg_backend_pid(), 1)
            ON CONFLICT (slot) DO UPDATE SET n = c.n + 1;
        PERFORM set_config('backfire.changed', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $fn$""")
    for table in metadata.sorted_tables:
        op.execute(f"DROP TRIGGER IF EXISTS backfire_changed ON {table.name}")
        op.execute(f"CREATE TRIGGER backfire_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table.name} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {q}.backfire_changed()")


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, checkfirst=True)
    for table in metadata.sorted_tables:  # an older SQLite file has the table but not every index
        for index in table.indexes:
            index.create(bind, checkfirst=True)
    if bind.dialect.name == "sqlite":
        for statement in SQLITE:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        _postgres(bind)
    op.execute(text("INSERT INTO meta (key, value) VALUES ('schema_version', :v) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value").bindparams(v=SCHEMA_VERSION))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS posts_fts_edit")
        op.execute("DROP TABLE IF EXISTS posts_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS changes")
        op.execute("DROP SEQUENCE IF EXISTS campaign_seq")
    metadata.drop_all(bind, checkfirst=True)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS backfire_changed()")
