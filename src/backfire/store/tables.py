"""The store's tables, declared once (SQLAlchemy Core) for both the SQLite and the PostgreSQL store.

The Alembic baseline (`store/migrations/versions/0001_baseline.py`) creates them, with each database's own
extras: SQLite's FTS5 search index, PostgreSQL's full-text index, insertion-order columns and change
counter. Times are fixed-width UTC ISO 8601 text (`store._posts.ts`) in both, so they sort as text and
both stores hand back the same strings; posts, verdicts and the like are kept as their JSON.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, Table, Text, text

metadata = MetaData()
BIG = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's INTEGER is 64-bit already
T = Text().with_variant(Text(collation="C"), "postgresql")  # byte order, as SQLite compares text

meta = Table("meta", metadata, Column("key", T, primary_key=True), Column("value", T, nullable=False))

campaigns = Table("campaigns", metadata, Column("name", T, primary_key=True),
                  Column("data", T, nullable=False))  # Campaign as JSON

posts = Table(
    "posts", metadata,
    Column("key", T, primary_key=True),  # platform:id
    Column("platform", T, nullable=False),
    Column("id", T, nullable=False),
    Column("author", T, nullable=False),
    Column("created_at", T, nullable=False),
    Column("text", T, nullable=False),
    Column("repost_of", T),
    Column("reply_to", T),
    Column("quote_of", T),
    Column("data", T, nullable=False),  # Post as JSON, without raw and embedded
    Column("raw", T),  # the record exactly as it came, as JSON
    Column("version", T, nullable=False, server_default=text("''")),  # '' first version, else the edit time
    Column("deleted_at", T),  # set when a deletion of the post was read
)
Index("posts_reply_to", posts.c.reply_to, sqlite_where=posts.c.reply_to.isnot(None),
      postgresql_where=posts.c.reply_to.isnot(None))
Index("posts_quote_of", posts.c.quote_of, sqlite_where=posts.c.quote_of.isnot(None),
      postgresql_where=posts.c.quote_of.isnot(None))
Index("posts_deleted", posts.c.deleted_at, sqlite_where=posts.c.deleted_at.isnot(None),
      postgresql_where=posts.c.deleted_at.isnot(None))

post_versions = Table(  # every version seen of an edited post (the latest is also in posts)
    "post_versions", metadata,
    Column("key", T, primary_key=True), Column("version", T, primary_key=True),
    Column("data", T, nullable=False), Column("raw", T),
)

aliases = Table("aliases", metadata, Column("alias", T, primary_key=True), Column("key", T, nullable=False))

tombstones = Table("tombstones", metadata, Column("ref", T, primary_key=True), Column("at", T, nullable=False))

campaign_posts = Table(
    "campaign_posts", metadata,
    Column("campaign", T, primary_key=True),
    Column("key", T, primary_key=True),  # references posts(key) (not enforced: bulk loads stay one pass)
    Column("created_at", T, nullable=False),
    Column("seq", BIG, nullable=False),  # arrival order, breaks ties in time
    Column("direct", Integer, nullable=False, server_default=text("1")),  # 0: only seen embedded
)
Index("campaign_posts_time", campaign_posts.c.campaign, campaign_posts.c.created_at, campaign_posts.c.seq)
Index("campaign_posts_seq", campaign_posts.c.seq)  # revision 0002: the next batch's numbers

quarantine = Table(
    "quarantine", metadata,
    Column("campaign", T, primary_key=True, server_default=text("''")),
    Column("path", T, primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("reason", T, nullable=False),
    Column("snippet", T, nullable=False),
    Column("format", T),
    Column("part", Integer, primary_key=True, autoincrement=False, server_default=text("0")),
    Column("record_id", T),
)

verdicts = Table(
    "verdicts", metadata,
    Column("campaign", T, primary_key=True), Column("key", T, primary_key=True),
    Column("stance", T, nullable=False), Column("p_hostile", Float, nullable=False),
    Column("data", T, nullable=False),
)

alarms = Table(
    "alarms", metadata,
    Column("campaign", T, primary_key=True), Column("at", T, primary_key=True),
    Column("severity", T, primary_key=True), Column("data", T, nullable=False),
)

cursors = Table("cursors", metadata, Column("name", T, primary_key=True), Column("value", T, nullable=False))

gaps = Table(
    "gaps", metadata,
    Column("source", T, primary_key=True), Column("start", T, primary_key=True),
    Column("end", T), Column("reason", T, nullable=False),
)

labels = Table(
    "labels", metadata,
    Column("campaign", T, nullable=False), Column("key", T, nullable=False),
    Column("stance", T, nullable=False), Column("reviewer", T, nullable=False),
    Column("reason", T, nullable=False), Column("at", T, nullable=False),
)
Index("labels_campaign", labels.c.campaign, labels.c.key)

curation = Table(
    "curation", metadata,
    Column("campaign", T, primary_key=True), Column("key", T, primary_key=True),
    Column("state", T, nullable=False),  # pending, held, approved, rejected, excluded
    Column("reason", T, nullable=False, server_default=text("''")),
    Column("risk", Float, nullable=False, server_default=text("0")),  # lower is safer; the queue's order
    Column("created_at", T, nullable=False),  # the post's time
    Column("updated_at", T, nullable=False),
    Column("updated_by", T, nullable=False, server_default=text("''")),
)
Index("curation_state", curation.c.campaign, curation.c.state, curation.c.risk)

curation_log = Table(
    "curation_log", metadata,
    Column("campaign", T, nullable=False), Column("key", T, nullable=False),
    Column("actor", T, nullable=False), Column("action", T, nullable=False),
    Column("reason", T, nullable=False), Column("at", T, nullable=False),
)
Index("curation_log_campaign", curation_log.c.campaign, curation_log.c.at)

curation_drivers = Table(  # who drove the hijack when the queue was last refreshed
    "curation_drivers", metadata,
    Column("campaign", T, primary_key=True), Column("account", T, primary_key=True),
    Column("role", T, primary_key=True),  # trigger or amplifier
    Column("detail", T, nullable=False),  # JSON: the explain layer's figures for the account
)

explanations = Table(  # the explanation `analyze` or `curate refresh` last computed, with its pictures
    "explanations", metadata,
    Column("campaign", T, primary_key=True), Column("at", T, nullable=False),
    Column("posts", Integer, nullable=False), Column("data", T, nullable=False),
)

users = Table(
    "users", metadata,
    Column("name", T, primary_key=True), Column("role", T, nullable=False),  # viewer, reviewer, admin
    Column("hash", T, nullable=False),  # argon2id
    Column("created_at", T, nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token", T, primary_key=True),  # sha256 of the cookie's value (the value is never stored)
    Column("user", T, nullable=False), Column("csrf", T, nullable=False),
    Column("expires_at", T, nullable=False),
)

# Tables whose insertion order a query reads (SQLite's rowid; a BIGSERIAL `n` column in PostgreSQL).
ORDERED = ("labels", "curation_log", "curation_drivers")
