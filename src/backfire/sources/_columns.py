"""The column names CSV exports give each field, as backfire matches them.

Names are compared after `norm` (lower case, everything but letters and digits dropped), so `Created At`,
`created_at`, `created-at` and `CreatedAt` are one name. For each field the first name present wins.
Covered: backfire's own columns, twarc-csv (`author.username`, `author.public_metrics.followers_count`,
`referenced_tweets.retweeted.id`, ...), the Twitter archive `tweets.csv` (`tweet_id`, `timestamp`,
`retweeted_status_id`, `in_reply_to_status_id`) and common variants.
"""

from __future__ import annotations

import functools
import re

_NOT_ALNUM = re.compile(r"[^0-9a-z]")


@functools.lru_cache(maxsize=4096)  # a file's column names repeat on every row
def norm(name: str) -> str:
    """`' Created At'` -> `'createdat'`; `'author.public_metrics.followers_count'` -> one word too."""
    return _NOT_ALNUM.sub("", name.strip().lstrip("\ufeff").lower())


ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "fulltext", "tweettext", "posttext", "statustext"),
    "id": ("id", "tweetid", "idstr", "statusid", "postid", "tweetidstr"),
    "created_at": ("createdat", "timestamp", "datetime", "date", "time", "createdtime", "postedat",
                   "tweetcreatedat", "createdatutc"),
    "author": ("author", "authorusername", "username", "screenname", "userscreenname", "userusername",
               "handle", "authorhandle", "fromuser", "fromusername", "user", "account", "acct"),
    "author_id": ("authorid", "userid", "useridstr", "authoridstr"),
    "followers": ("followers", "followerscount", "authorpublicmetricsfollowerscount", "userfollowerscount",
                  "authorfollowerscount", "userfollowers", "publicmetricsfollowerscount"),
    "repost_of": ("repostof", "retweetedstatusid", "referencedtweetsretweetedid", "retweetof",
                  "retweetedstatusidstr"),
    "reply_to": ("replyto", "inreplytostatusid", "referencedtweetsrepliedtoid", "inreplytoid",
                 "inreplytostatusidstr", "inreplytotweetid"),
    "quote_of": ("quoteof", "quotedstatusid", "referencedtweetsquotedid", "quotedstatusidstr"),
    "referenced_tweets": ("referencedtweets",),
    "lang": ("lang", "language"),
    "platform": ("platform",),
}
TEXT_NAMES = frozenset(ALIASES["text"])
ID_NAMES = frozenset(ALIASES["id"])
TIME_NAMES = frozenset(ALIASES["created_at"])


def fields(row: dict[str, str | None]) -> dict[str, str | None]:
    """{field: cell} for the fields `ALIASES` knows, from a row keyed by `norm`-ed column names."""
    out: dict[str, str | None] = {}
    get = row.get
    for name, names in ALIASES.items():
        found = None
        for n in names:
            if cell := get(n):
                found = cell
                break
        out[name] = found
    return out
