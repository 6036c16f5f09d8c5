"""Records in the shapes other tools write them, built by the project with its own texts and ids.

Each builder returns one raw record as the named tool or API lays it out (field names, nesting, ids as
strings or numbers, times in that API's form): Mastodon REST and streaming, Mastodon.py dumps, Jetstream
events, Twitter v1.1 (2014-era and compat-mode), twarc2 pages and flattened lines, twarc-csv and Twitter
archive CSV rows. No record or text here is copied from anyone.
"""

from __future__ import annotations

import json
from typing import Any

HOST = "police.example"


# ---------------------------------------------------------------- Mastodon
def account(username: str, *, host: str = HOST, note: str = "<p>Neighbourhood watcher</p>",
            noindex: bool | None = None, fields: list[dict[str, str]] | None = None,
            acct_id: str = "7") -> dict[str, Any]:
    acct = username if host == HOST else f"{username}@{host}"
    out: dict[str, Any] = {
        "id": acct_id, "username": username, "acct": acct, "display_name": username.title(), "locked": False,
        "bot": False, "discoverable": True, "group": False, "created_at": "2022-11-07T00:00:00.000Z",
        "note": note, "url": f"https://{host}/@{username}", "avatar": f"https://{host}/avatars/{acct_id}.png",
        "followers_count": 120, "following_count": 80, "statuses_count": 400,
        "last_status_at": "2024-05-01", "emojis": [], "fields": fields or [],
    }
    if noindex is not None:
        out["noindex"] = noindex
    return out


def status(local_id: str, text_html: str, *, user: str = "walker", host: str = HOST, visibility: str = "public",
           reply_to: str | None = None, reply_account: str | None = None, edited_at: str | None = None,
           created_at: str = "2024-05-02T14:00:00.000Z", acct: dict[str, Any] | None = None,
           mentions: list[dict[str, Any]] | None = None, media: list[dict[str, Any]] | None = None,
           reblog: dict[str, Any] | None = None, tags: tuple[str, ...] = ("mynypd",)) -> dict[str, Any]:
    """A Mastodon `Status` as GET /api/v1/timelines/tag/:tag returns it (local statuses: `uri` on HOST)."""
    return {
        "id": local_id, "created_at": created_at, "in_reply_to_id": reply_to,
        "in_reply_to_account_id": reply_account, "sensitive": False, "spoiler_text": "",
        "visibility": visibility, "language": "en",
        "uri": f"https://{host}/users/{user}/statuses/{local_id}", "url": f"https://{host}/@{user}/{local_id}",
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": edited_at,
        "content": text_html, "reblog": reblog, "application": {"name": "Web", "website": None},
        "account": acct or account(user, host=host), "media_attachments": media or [], "mentions": mentions or [],
        "tags": [{"name": t, "url": f"https://{HOST}/tags/{t}"} for t in tags], "emojis": [], "card": None,
        "poll": None,
    }


def stream(event: str, payload: dict[str, Any] | str, tag: str = "mynypd") -> dict[str, Any]:
    """A streaming message as the streaming API sends it (`payload` a JSON string, or a bare id for
    `delete`) and as collectors save it, one per line."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return {"stream": ["hashtag", tag], "event": event, "payload": body}


def mastodon_py(status_: dict[str, Any]) -> dict[str, Any]:
    """A status as Mastodon.py returns and users then dump it: ids as integers, times with an offset."""
    out = json.loads(json.dumps(status_))
    for key in ("id", "in_reply_to_id", "in_reply_to_account_id"):
        if out.get(key) is not None:
            out[key] = int(out[key])
    out["created_at"] = out["created_at"].replace(".000Z", "+00:00")
    out["account"]["id"] = int(out["account"]["id"])
    return out


# ---------------------------------------------------------------- Bluesky Jetstream
def jet_post(did: str, rkey: str, text: str, *, embed: dict[str, Any] | None = None,
             time_us: int = 1_714_658_400_000_000, operation: str = "create") -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2024-05-02T14:00:00.000Z",
                              "langs": ["en"]}
    if embed is not None:
        record["embed"] = embed
    return {"did": did, "time_us": time_us, "kind": "commit",
            "commit": {"rev": f"3k{rkey}", "operation": operation, "collection": "app.bsky.feed.post",
                       "rkey": rkey, "record": record, "cid": f"bafyreib{rkey}"}}


def jet_delete(did: str, rkey: str, time_us: int = 1_714_662_000_000_000) -> dict[str, Any]:
    """A Jetstream delete commit: no record, no cid."""
    return {"did": did, "time_us": time_us, "kind": "commit",
            "commit": {"rev": f"3kdel{rkey}", "operation": "delete", "collection": "app.bsky.feed.post",
                       "rkey": rkey}}


def blob(cid: str) -> dict[str, Any]:
    return {"$type": "blob", "ref": {"$link": cid}, "mimeType": "image/jpeg", "size": 204_800}


# ---------------------------------------------------------------- Twitter v1.1
V1_TIME = "Tue Apr 22 18:02:11 +0000 2014"


def v1_user(screen_name: str, uid: str = "501", followers: int = 250) -> dict[str, Any]:
    return {"id": int(uid), "id_str": uid, "name": screen_name.title(), "screen_name": screen_name,
            "followers_count": followers, "friends_count": 10, "statuses_count": 1000, "protected": False}


def v1_tweet(tid: str, text: str, *, user: dict[str, Any] | None = None, created_at: str = V1_TIME,
             **extra: Any) -> dict[str, Any]:
    tweet = {"created_at": created_at, "id": int(tid), "id_str": tid, "text": text, "truncated": False,
             "source": "<a href=\"https://example.org\">client</a>", "in_reply_to_status_id": None,
             "in_reply_to_status_id_str": None, "user": user or v1_user("walker"), "is_quote_status": False,
             "retweet_count": 0, "favorite_count": 0, "entities": {"hashtags": [], "user_mentions": [], "urls": [],
                                                                   "symbols": []},
             "lang": "en"}
    tweet.update(extra)
    return tweet


def v1_delete(tid: str, uid: str = "501") -> dict[str, Any]:
    """A streaming API delete notice."""
    return {"delete": {"status": {"id": int(tid), "id_str": tid, "user_id": int(uid), "user_id_str": uid},
                       "timestamp_ms": "1398190000000"}}


# ---------------------------------------------------------------- Twitter v2 / twarc2
def snowflake(iso: str, seq: int = 0) -> str:
    """The tweet id Twitter would give a tweet made at `iso` (ids carry their time since 2010)."""
    from datetime import datetime

    millis = int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
    return str(((millis - 1288834974657) << 22) | seq)


def v2_tweet(tid: str, text: str, *, author_id: str = "601", created_at: str = "2022-10-03T15:00:00.000Z",
             history: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    tweet = {"id": tid, "text": text, "created_at": created_at, "author_id": author_id, "conversation_id": tid,
             "edit_history_tweet_ids": history or [tid], "lang": "en",
             "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}}
    tweet.update(extra)
    return tweet


def v2_user(uid: str, username: str, followers: int = 300) -> dict[str, Any]:
    return {"id": uid, "username": username, "name": username.title(),
            "public_metrics": {"followers_count": followers, "following_count": 5, "tweet_count": 50,
                               "listed_count": 0}}


TWARC = {"url": "https://api.twitter.com/2/tweets/search/recent?query=%23myNYPD", "version": "2.14.0",
         "retrieved_at": "2022-10-03T16:00:00+00:00"}


def v2_page(tweets: list[dict[str, Any]], users: list[dict[str, Any]] | None = None,
            includes_tweets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"data": tweets, "includes": {"users": users or [], "tweets": includes_tweets or []},
            "meta": {"result_count": len(tweets), "newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"]},
            "__twarc": TWARC}


# ---------------------------------------------------------------- CSV exports
TWARC_CSV_HEADER = ("id,conversation_id,referenced_tweets.replied_to.id,referenced_tweets.retweeted.id,"
                    "referenced_tweets.quoted.id,author_id,in_reply_to_user_id,retweeted_user_id,created_at,text,"
                    "lang,author.id,author.username,author.name,author.public_metrics.followers_count,"
                    "entities.hashtags,__twarc.retrieved_at")
ARCHIVE_HEADER = ("tweet_id,in_reply_to_status_id,in_reply_to_user_id,timestamp,source,text,retweeted_status_id,"
                  "retweeted_status_user_id,retweeted_status_timestamp,expanded_urls")
