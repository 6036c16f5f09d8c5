"""Mastodon statuses: REST `Status` JSON and streaming messages (`{"event": "update", "payload": ...}`).

- `id` is the status `uri` (its ActivityPub id: unique across the fediverse, the same whichever
  instance we read it from), else its `url`, else the instance-local `id`; the instance-local `id` is
  kept in `aliases`. `reply_to` is the parent's instance-local `in_reply_to_id`, since a Status does not
  carry the parent's URI: the store (and `detect`, through `link_aliases`) resolve it to the parent's URI
  once the parent is read, so replies join their cascade. (Local ids are time-based 64-bit numbers with
  random low bits; ids of different instances do not meet in practice.)
- An edited status (`edited_at`, or a streaming `status.update`) is a later version of the same post:
  `edited_at` is set and the store keeps the latest version and the history.
- `text` is the content as plain text: paragraphs become blank-line breaks, `<br>` a line break,
  entities are decoded, the hidden parts of links are kept (so URLs are whole) and the `RE: <link>`
  line of a quote is dropped. A content warning (`spoiler_text`) comes first, followed by a blank line.
- A reblog's author is the booster; its text, tags and media are the original's, the original is in
  `embedded` and `repost_of` is its URI. A quote (`quote.quoted_status`, a shallow
  `quote.quoted_status_id`, or a quoted Status itself) -> `quote_of` (and `embedded` when full).
- `author.handle` is `account.acct` (`user` for local accounts, `user@host` for remote ones).
- Streaming `update` and `status.update` messages hold a Status (a JSON string in `payload`); a `delete`
  message (its payload the local id) is a `Deletion` (`to_deletion`); `notification` and other events
  raise `UnknownRecord`.

Privacy: `excluded(raw)` names why a status must not be collected: a visibility other than public or
unlisted (`private`, `direct`), or an account that opted out (`opted_out`: #nobot, #nosearch, #noarchive,
`noindex`); `ingest` skips those and `watch` leaves out opted-out accounts with the same function.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterator
from typing import Any
from zlib import crc32

from selectolax.lexbor import LexborHTMLParser

from backfire.model import Author, Deletion, Media, Post
from backfire.sources._common import (
    account_time,
    as_dict,
    as_list,
    hashtags_in,
    iso_z,
    mapping,
    need,
    need_object,
    parse_time,
    str_id,
    unique,
)
from backfire.sources.errors import MissingField, SourceError, UnknownRecord

NAME = "mastodon"
DESCRIPTION = "Mastodon Status JSON (REST) or streaming messages, one per line"
PLATFORM = "mastodon"

STATUS_EVENTS = ("update", "status.update")
PUBLIC = ("public", "unlisted")
OPT_OUT_TAGS = ("#nobot", "#nosearch", "#noarchive")
MEDIA_TYPES = {"image": "image", "gifv": "gif", "video": "video", "audio": "audio"}
_BETWEEN_TAGS = re.compile(r">\s*\n\s*<")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_TAGS = frozenset(("a", "br", "p", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"))


def sniff(raw: dict[str, Any]) -> bool:
    """True for a Status (has `account` and `content`) or a streaming message."""
    if "event" in raw and ("payload" in raw or isinstance(raw.get("stream"), list)):
        return True
    return isinstance(raw.get("account"), dict) and ("content" in raw or "reblog" in raw)


def records(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Each status or streaming message is one record."""
    return [raw]


def iter_posts(raw: dict[str, Any]) -> Iterator[Post]:
    """Yield the post in `raw`."""
    yield to_post(raw)


@mapping
def to_post(raw: dict[str, Any]) -> Post:
    """Map a Status, or a streaming message holding one, to a `Post` (raw kept as given)."""
    status = unwrap(raw)
    original = status.get("reblog") if isinstance(status.get("reblog"), dict) else None
    content = original if original is not None else status
    quoted, quote_of = _quote(content) if original is None else (None, None)
    text, urls = plain_text(content)
    embedded = [to_post(e) for e in (original, quoted) if e is not None]
    return Post(
        id=status_id(status),
        platform=PLATFORM,
        author=_author(need_object(status, "account", "status")),
        created_at=parse_time(need(status, "created_at", "status")),
        text=text,
        hashtags=unique(hashtags_in(text) + [t.get("name") for t in as_list(content.get("tags"))]),
        mentions=unique(m.get("acct") for m in as_list(content.get("mentions"))),
        urls=urls,
        media=[_media(m) for m in as_list(content.get("media_attachments")) if isinstance(m, dict)],
        reply_to=str_id(status.get("in_reply_to_id")),
        quote_of=quote_of,
        repost_of=status_id(original) if original is not None else None,
        lang=status.get("language") or content.get("language") or None,
        edited_at=parse_time(status["edited_at"]) if status.get("edited_at") else None,
        aliases=_local_ids(status),
        raw=raw,
        embedded=embedded,
    )


def _local_ids(status: dict[str, Any]) -> list[str]:
    local, own = str_id(status.get("id")), status_id(status)
    return [local] if local is not None and local != own else []


def to_deletion(raw: dict[str, Any]) -> Deletion | None:
    """A streaming `delete` message as a `Deletion` of the status whose instance-local id it carries."""
    if raw.get("event") != "delete" or "account" in raw:
        return None
    local = str_id(raw.get("payload"))
    return Deletion(platform=PLATFORM, id=local) if local else None


def excluded(raw: dict[str, Any]) -> str | None:
    """Why a status must not be collected (None when it may): not public or unlisted, or an account
    (the booster's or the original author's) that opted out."""
    status = unwrap(raw)
    for item in (status, as_dict(status.get("reblog"))):
        visibility = item.get("visibility")
        if isinstance(visibility, str) and visibility not in PUBLIC:
            return f"{visibility} statuses (not public or unlisted)"
        if opted_out(as_dict(item.get("account"))):
            return "accounts that opted out (#nobot, #nosearch or noindex)"
    return None


def unwrap(raw: dict[str, Any]) -> dict[str, Any]:
    """The Status in `raw`: itself, or the payload of a streaming `update`/`status.update` message."""
    if "event" not in raw or "account" in raw:
        return raw
    event = raw.get("event")
    if event not in STATUS_EVENTS:
        raise UnknownRecord(f"mastodon streaming {event} event")
    payload = need(raw, "payload", "streaming message")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise SourceError(f"malformed JSON in payload: {exc}") from None
    if not isinstance(payload, dict):
        raise SourceError(f"payload of type {type(payload).__name__}")
    return payload


def status_id(status: dict[str, Any]) -> str:
    """The status URI, else its URL, else its instance-local id."""
    found = status.get("uri") or status.get("url") or str_id(status.get("id"))
    if not isinstance(found, str) or not found:
        raise MissingField("uri", "status")
    return found


def _quote(status: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    quote = status.get("quote")
    if not isinstance(quote, dict):
        return None, None
    if "account" in quote and "content" in quote:  # forks that put the quoted Status itself here
        return quote, status_id(quote)
    quoted = quote.get("quoted_status")
    if isinstance(quoted, dict):
        return quoted, status_id(quoted)
    return None, str_id(quote.get("quoted_status_id"))


def plain_text(status: dict[str, Any]) -> tuple[str, list[str]]:
    """The status's content as plain text (content warning first), and the links it holds."""
    body, links = _read_html(str(status.get("content") or ""))
    spoiler = str(status.get("spoiler_text") or "").strip()
    text = f"{spoiler}\n\n{body}" if spoiler and body else spoiler or body
    card = as_dict(status.get("card")).get("url")
    return text, unique([*links, card])


def html_to_text(content: str) -> tuple[str, list[str]]:
    """Mastodon HTML -> (plain text, hrefs of links that are not hashtags or mentions).

    >>> html_to_text('<p>Kettled &amp; kept <a href="https://x.example/tags/t" class="mention hashtag">'
    ...              '#<span>t</span></a><br>two</p><p>new <a href="https://a.example/b">a.example</a></p>')
    ('Kettled & kept #t\\ntwo\\n\\nnew a.example', ['https://a.example/b'])
    """
    if "<" not in content:
        return html.unescape(content).strip(), []
    if "\n" in content:
        content = _LINE_BREAKS.sub(" ", _BETWEEN_TAGS.sub("><", content))
    tree, lowered = LexborHTMLParser(content), content.lower()
    if "quote-inline" in lowered:  # each query walks the tree: only those that can match are made
        for node in tree.css(".quote-inline"):
            node.decompose()
    links = []
    root = tree.root
    nodes = [n for n in root.traverse(include_text=False) if n.tag in _TAGS] if root is not None else []
    for node in nodes:  # one walk in document order (cheaper than any CSS query), then the changes
        tag = node.tag
        if tag == "a":
            attributes = node.attributes
            if "href" in attributes and "mention" not in (attributes.get("class") or "") \
                    and attributes.get("rel") != "tag":
                links.append(attributes.get("href"))
        elif tag == "br":
            node.replace_with("\n")
        else:
            node.insert_after("\n\n" if tag == "p" else "\n")
    body = tree.body
    text = body.text(deep=True) if body is not None else ""
    return text.strip(), unique(h for h in links if h)


def _author(account: dict[str, Any]) -> Author:
    return Author(handle=need(account, "acct", "account"), id=str_id(account.get("id")),
                  name=account.get("display_name") or account.get("username"),
                  followers=account.get("followers_count"), created_at=account_time(account.get("created_at")))


def _media(item: dict[str, Any]) -> Media:
    url = item.get("url") or item.get("remote_url") or item.get("preview_url") or need(item, "url", "media")
    return Media(url=url, type=MEDIA_TYPES.get(item.get("type", "image"), "image"),
                 alt=item.get("description") or None)


def opted_out(account: dict[str, Any]) -> bool:
    """True when an account asks not to be collected: `#nobot`, `#nosearch` or `#noarchive` in its
    bio or profile fields, or `noindex: true`.

    >>> opted_out({"note": "<p>Tenant organiser. <a href='x'>#<span>NoBot</span></a></p>"})
    True
    >>> opted_out({"note": "hi", "fields": [{"name": "web", "value": "x"}], "noindex": False})
    False
    """
    if account.get("noindex") is True:
        return True
    texts = [str(account.get("note") or "")]
    texts += [f"{f.get('name', '')} {f.get('value', '')}" for f in as_list(account.get("fields"))
              if isinstance(f, dict)]
    plain = " ".join(map(_plain, texts)).casefold()
    return any(tag in plain for tag in OPT_OUT_TAGS)


@functools.lru_cache(maxsize=4096)  # an account's bio comes with each of its statuses
def _plain(html_text: str) -> str:
    return html_to_text(html_text)[0]


@functools.lru_cache(maxsize=256)  # a boost's original is read for the boost and again as its embedded post
def _read_html(content: str) -> tuple[str, tuple[str, ...]]:
    text, links = html_to_text(content)
    return text, tuple(links)


# ---------------------------------------------------------------- writing (used by the simulator)

def to_raw(post: Post) -> dict[str, Any]:
    """Render `post` as a REST Status (a reblog wraps its original; a quote carries a Quote)."""
    original = next((e for e in post.embedded if e.id == post.repost_of), None)
    if post.repost_of is not None:
        inner = to_raw(original) if original else _status(post.model_copy(
            update={"id": post.repost_of, "repost_of": None, "author": Author(handle="unknown")}))
        status = _status(post.model_copy(update={"text": "", "hashtags": [], "media": [], "mentions": []}))
        status.update(reblog=inner, uri=post.id, url=None)
        return status
    status = _status(post)
    if post.quote_of is not None:
        quoted = next((e for e in post.embedded if e.id == post.quote_of), None)
        status["quote"] = ({"state": "accepted", "quoted_status": to_raw(quoted)} if quoted
                           else {"state": "accepted", "quoted_status_id": post.quote_of})
    return status


def to_stream(post: Post, stream: tuple[str, ...] = ("public",)) -> dict[str, Any]:
    """Render `post` as a streaming `update` message (the Status as a JSON string in `payload`)."""
    return {"stream": list(stream), "event": "update", "payload": json.dumps(to_raw(post), ensure_ascii=False)}


def _status(post: Post) -> dict[str, Any]:
    host, local_id = _host(post), _local_id(post.id)
    return {
        "id": local_id, "created_at": iso_z(post.created_at),
        "in_reply_to_id": _local_id(post.reply_to) if post.reply_to else None, "in_reply_to_account_id": None,
        "sensitive": False, "spoiler_text": "", "visibility": "public", "language": post.lang,
        "uri": post.id, "url": f"https://{host}/@{post.author.handle.split('@')[0]}/{local_id}",
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": None,
        "content": text_to_html(post.text, host), "reblog": None, "quote": None,
        "account": _account(post.author, host),
        "media_attachments": [_render_media(m, i, local_id) for i, m in enumerate(post.media)],
        "mentions": [{"id": str(crc32(m.encode())), "username": m.split("@")[0], "acct": m,
                      "url": f"https://{host}/@{m}"} for m in post.mentions],
        "tags": [{"name": t, "url": f"https://{host}/tags/{t.lower()}"} for t in post.hashtags],
        "emojis": [], "card": None, "poll": None,
    }


def _host(post: Post) -> str:
    found = re.match(r"https?://([^/]+)/", post.id)
    return found.group(1) if found else "example.social"


def _local_id(post_id: str) -> str:
    tail = post_id.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail.isdigit() else str(crc32(post_id.encode()))


def text_to_html(text: str, host: str = "example.social") -> str:
    """Plain text -> Mastodon-style HTML (paragraphs, `<br>`, linked hashtags, mentions and URLs). Line
    ends are normalised first, as Mastodon does when a status is posted ("\\r\\n" is one line break).

    >>> text_to_html("one\\r\\ntwo") == text_to_html("one\\ntwo")
    True
    """
    paragraphs = text.replace("\r\n", "\n").replace("\r", "\n").split("\n\n")
    return "".join(f"<p>{_linkify(p, host).replace(chr(10), '<br>')}</p>" for p in paragraphs)


_TOKENS = re.compile(r"(https?://[^\s<>\"]+)|(?<![\w&#/])#(\w+)|(?<![\w@/])@(\w+(?:@[\w.-]+\w)?)")


def _linkify(text: str, host: str) -> str:
    out, last = [], 0
    for m in _TOKENS.finditer(text):
        out.append(html.escape(text[last:m.start()], quote=False))
        url, tag, acct = m.groups()
        if url:
            out.append(f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">{html.escape(url)}</a>')
        elif tag:
            out.append(f'<a href="https://{host}/tags/{tag.lower()}" class="mention hashtag" rel="tag">'
                       f"#<span>{html.escape(tag)}</span></a>")
        else:
            out.append(f'<span class="h-card"><a href="https://{host}/@{acct}" class="u-url mention">'
                       f"@<span>{html.escape(acct)}</span></a></span>")  # as written, domain included
        last = m.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def _account(author: Author, host: str) -> dict[str, Any]:
    username = author.handle.split("@")[0]
    return {"id": author.id or str(crc32(author.handle.encode())), "username": username, "acct": author.handle,
            "display_name": author.name or username, "bot": False, "followers_count": author.followers or 0,
            "following_count": 0, "statuses_count": 0, "note": "", "url": f"https://{host}/@{username}",
            **({"created_at": iso_z(author.created_at)} if author.created_at else {})}


def _render_media(media: Media, index: int, local_id: str) -> dict[str, Any]:
    kind = {v: k for k, v in MEDIA_TYPES.items()}.get(media.type, "image")
    return {"id": f"{local_id}{index}", "type": kind, "url": media.url, "preview_url": media.url,
            "remote_url": None, "description": media.alt, "blurhash": None}
