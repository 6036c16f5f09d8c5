-- backfire's embedded store. One file, WAL. Every statement is idempotent.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS campaigns (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL                      -- Campaign as JSON
);

CREATE TABLE IF NOT EXISTS posts (
    key TEXT PRIMARY KEY,                   -- platform:id
    platform TEXT NOT NULL,
    id TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,               -- UTC, fixed-width ISO 8601, sorts as text
    text TEXT NOT NULL,
    repost_of TEXT,
    reply_to TEXT,
    quote_of TEXT,
    data TEXT NOT NULL,                     -- Post as JSON, without raw and embedded
    raw TEXT,                               -- the record exactly as it came, as JSON
    version TEXT NOT NULL DEFAULT '',       -- '' for a first version, the edit time for later ones
    deleted_at TEXT                         -- set when a deletion of the post was read
);

-- Every version seen of a post that was edited (the latest is also in posts).
CREATE TABLE IF NOT EXISTS post_versions (
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    data TEXT NOT NULL,
    raw TEXT,
    PRIMARY KEY (key, version)
);

-- Other ids records use for a post ("platform:alias" -> key): Mastodon local ids, edited tweets' ids.
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, key TEXT NOT NULL);

-- Deletions read ("platform:id" or "platform:alias"), kept so a post read after its deletion is marked.
CREATE TABLE IF NOT EXISTS tombstones (ref TEXT PRIMARY KEY, at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS campaign_posts (
    campaign TEXT NOT NULL,
    key TEXT NOT NULL REFERENCES posts(key),
    created_at TEXT NOT NULL,
    seq INTEGER NOT NULL,                   -- arrival order, breaks ties in time
    direct INTEGER NOT NULL DEFAULT 1,      -- 0: only seen embedded in another record
    PRIMARY KEY (campaign, key)
);
CREATE INDEX IF NOT EXISTS campaign_posts_time ON campaign_posts (campaign, created_at, seq);

CREATE TABLE IF NOT EXISTS quarantine (
    campaign TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    reason TEXT NOT NULL,
    snippet TEXT NOT NULL,
    format TEXT,
    part INTEGER NOT NULL DEFAULT 0,        -- which post of a multi-post record (0: the whole line)
    record_id TEXT,                         -- the bad record's own id, when it has one
    PRIMARY KEY (campaign, path, line, part)
);

CREATE TABLE IF NOT EXISTS verdicts (
    campaign TEXT NOT NULL,
    key TEXT NOT NULL,
    stance TEXT NOT NULL,
    p_hostile REAL NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (campaign, key)
);

CREATE TABLE IF NOT EXISTS alarms (
    campaign TEXT NOT NULL,
    at TEXT NOT NULL,
    severity TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (campaign, at, severity)
);

CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS gaps (
    source TEXT NOT NULL,
    start TEXT NOT NULL,
    end TEXT,
    reason TEXT NOT NULL,
    PRIMARY KEY (source, start)
);

CREATE TABLE IF NOT EXISTS labels (
    campaign TEXT NOT NULL,
    key TEXT NOT NULL,
    stance TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS labels_campaign ON labels (campaign, key);

-- References are resolved when an alias of their target arrives after them (store/_posts.py).
CREATE INDEX IF NOT EXISTS posts_reply_to ON posts (reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX IF NOT EXISTS posts_quote_of ON posts (quote_of) WHERE quote_of IS NOT NULL;

-- Schema 3: the curation queue, its audit log, dashboard accounts and sessions, the post search index.
-- Deleted posts are few: counting a campaign's live posts subtracts them through this index.
CREATE INDEX IF NOT EXISTS posts_deleted ON posts (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS curation (
    campaign TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,                    -- pending, held, approved, rejected, excluded
    reason TEXT NOT NULL DEFAULT '',
    risk REAL NOT NULL DEFAULT 0,           -- lower is safer; the queue's order
    created_at TEXT NOT NULL,               -- the post's time
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign, key)
);
CREATE INDEX IF NOT EXISTS curation_state ON curation (campaign, state, risk);

CREATE TABLE IF NOT EXISTS curation_log (
    campaign TEXT NOT NULL,
    key TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS curation_log_campaign ON curation_log (campaign, at);

-- Accounts that hold what the queue's drivers were when last refreshed: who drove the hijack.
CREATE TABLE IF NOT EXISTS curation_drivers (
    campaign TEXT NOT NULL,
    account TEXT NOT NULL,
    role TEXT NOT NULL,                     -- trigger or amplifier
    detail TEXT NOT NULL,                   -- JSON: the explain layer's figures for the account
    PRIMARY KEY (campaign, account, role)
);

-- The explain layer's explanation of a campaign as `analyze` or `curate refresh` last computed it, with the
-- pictures the dashboard shows (so a page never explains a large campaign per request).
CREATE TABLE IF NOT EXISTS explanations (
    campaign TEXT PRIMARY KEY,
    at TEXT NOT NULL,                       -- when it was computed
    posts INTEGER NOT NULL,                 -- how many posts it read
    data TEXT NOT NULL                      -- JSON: {"explain": explain_campaign(...), "pictures": {name: svg}}
);

CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,                     -- viewer, reviewer, admin
    hash TEXT NOT NULL,                     -- argon2id
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,                 -- sha256 of the cookie's value (the value itself is never stored)
    user TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Full-text search over posts (external content). Rows are indexed lazily up to meta 'fts_rowid'
-- (store/_aggregate.py); an edit of an already indexed post re-indexes it here.
CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
    text, author, content='posts', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS posts_fts_edit AFTER UPDATE OF text, author ON posts
WHEN old.rowid <= COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_rowid'), 0)
BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, text, author) VALUES ('delete', old.rowid, old.text, old.author);
    INSERT INTO posts_fts (rowid, text, author) VALUES (new.rowid, new.text, new.author);
END;
