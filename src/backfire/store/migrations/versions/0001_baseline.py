"""Baseline: the store as schema 5 of the hand-rolled migrations had it (`store/tables.py`), per database.

Creates only what is missing, so it also brings a SQLite file of schema 1 to 4 (after `store/_migrate.py`
added the columns those lack) up to date in place. SQLite gains its FTS5 search index; PostgreSQL its
full-text index (split and folded as FTS5 does), insertion-order columns (SQLite's rowid), the arrival
sequence of campaign posts, and the change counter `data_version` sums (bumped once per writing
transaction by a statement trigger).

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import string
import unicodedata

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

def _folds() -> tuple[str, str]:
    """What `translate` replaces so PostgreSQL's parser splits text as SQLite's FTS5 (unicode61, remove
    diacritics) does: Latin letters with diacritics (U+00C0 to U+024F) become their base letters, and ASCII
    punctuation a space (else PostgreSQL reads `<b>` as a tag it skips, `x.org/a` as a URL, `a-b` as one
    hyphenated word too, where FTS5 sees the words `b`, `x`, `org`, `a`)."""
    pairs = [(chr(c), d[0]) for c in range(0xC0, 0x250)
             if len(d := unicodedata.normalize("NFKD", chr(c))) > 1 and d[0].isascii() and d[0].isalpha()]
    pairs += [(c, " ") for c in string.punctuation]
    return "".join(a for a, _ in pairs), "".join(b for _, b in pairs)


def _postgres(bind: Connection) -> None:
    schema = bind.execute(text("SELECT current_schema()")).scalar_one()
    q = f'"{schema}"'
    for name in ORDERED:  # insertion order, read where SQLite reads rowid
        op.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS n BIGSERIAL")
    op.execute("CREATE SEQUENCE IF NOT EXISTS campaign_seq")
    folded, plain = (part.replace("'", "''").replace("%", "%%") for part in _folds())
    bind.exec_driver_sql(  # SQL quotes doubled, and % for the driver's placeholder parsing
        f"CREATE OR REPLACE FUNCTION {q}.backfire_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE "
        f"STRICT PARALLEL SAFE AS $fn$ SELECT translate(value, '{folded}', '{plain}') $fn$")
    op.execute(f"CREATE INDEX IF NOT EXISTS posts_search ON posts "
               f"USING gin (to_tsvector('simple'::regconfig, {q}.backfire_fold(text || ' ' || author)))")
    # One row per server process that wrote (its pid): concurrent sessions never share a row, so counting
    # a commit never makes one writer wait for another's (a shared counter row would, and could deadlock
    # two writers that also wait on each other's posts).
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
        op.execute("DROP FUNCTION IF EXISTS backfire_fold(text)")
