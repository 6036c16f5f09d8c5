"""Small helpers shared by the source modules: time parsing, text entities, safe field access."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from backfire.model import Post
from backfire.sources.errors import ImpossibleDate, MissingField, SourceError

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_V1_TIME = re.compile(r"^\w{3} (\w{3}) (\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PATTERNS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %Z", "%Y/%m/%d %H:%M:%S",
             "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d %b %Y %H:%M:%S", "%b %d, %Y %H:%M:%S", "%b %d, %Y")

# A hashtag needs at least one non-digit; '&#39;'-style entities and URL fragments are not tags.
HASHTAG = re.compile(r"(?<![\w&#/])[#＃](\w*[^\W\d]\w*)")
MENTION = re.compile(r"(?<![\w@/])@(\w+(?:@[\w-]+(?:\.[\w-]+)+)?)")
URL = re.compile(r"https?://[^\s<>\"]+")
_URL_TAIL = ".,;:!?)]}'\"…"

F = TypeVar("F", bound=Callable[..., Any])

# The first day a post of each platform can carry: Twitter's first tweet (2006-03-21), Mastodon's first
# release (2016), Bluesky's first posts (2023); anything else (a CSV without a known platform) 2006.
PLATFORM_START = {"twitter": datetime(2006, 3, 21, tzinfo=UTC), "mastodon": datetime(2016, 1, 1, tzinfo=UTC),
                  "bluesky": datetime(2023, 1, 1, tzinfo=UTC)}
OTHER_START = datetime(2006, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)  # clocks and time zones: a post may be this far ahead of the run


def parse_v1_time(value: str) -> datetime:
    """Parse Twitter v1.1 time: 'Tue Apr 22 18:02:11 +0000 2014' -> aware UTC datetime."""
    if isinstance(value, str):
        return _v1_time(value)
    raise SourceError(f"unrecognised time {str(value)[:40]!r}")


# Posts of one archive share their times by the second (many per second in a busy stream): the times
# read last are remembered (datetimes are immutable; a bad time raises and is not remembered).
@functools.lru_cache(maxsize=4096)
def _v1_time(value: str) -> datetime:
    m = _V1_TIME.match(value)
    if not m or m.group(1) not in _MONTHS:
        raise SourceError(f"unrecognised time {str(value)[:40]!r}")
    mon, day, hh, mm, ss, sign, oh, om, year = m.groups()
    local = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
    offset = timedelta(hours=int(oh), minutes=int(om))
    return local - offset if sign == "+" else local + offset


def account_time(value: Any) -> datetime | None:
    """When an account was made, from a record's ISO or Twitter v1.1 time; None when it is missing or not
    a time (a post is never refused for its author's date)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_time(value)
    except SourceError:
        return None


def format_v1_time(value: datetime) -> str:
    """The inverse of `parse_v1_time` (always written in UTC, as Twitter does)."""
    return value.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")


def parse_time(value: Any, epoch: bool = False) -> datetime:
    """Parse ISO 8601 ('Z' or offset; naive means UTC) or the Twitter v1.1 format; with `epoch`, also
    epoch seconds (milliseconds when larger than 1e11). Raises `SourceError` on anything else."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or (
            not epoch and not isinstance(value, str)):
        raise SourceError(f"time of type {type(value).__name__}: {value!r:.40}")
    return _time_of(value if isinstance(value, str) else str(value), epoch)


@functools.lru_cache(maxsize=4096)
def _time_of(value: str, epoch: bool) -> datetime:
    text = value.strip()
    if _NUMBER.match(text):
        if not epoch:
            raise SourceError(f"unrecognised time {text[:40]!r}")
        seconds = float(text)
        return EPOCH + timedelta(seconds=seconds / 1000 if abs(seconds) > 1e11 else seconds)
    if _V1_TIME.match(text):
        return parse_v1_time(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _other_time(text)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _other_time(text: str) -> datetime:
    """Less common but unambiguous spellings: RFC 2822, '2014-04-22 18:02:11 +0000', '2014/04/22 ...'."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for pattern in _PATTERNS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise SourceError(f"unrecognised time {text[:40]!r}")


def iso_z(value: datetime) -> str:
    """'2014-04-22T18:02:11.000Z': the millisecond ISO form APIs write (microseconds when present)."""
    micro = value.microsecond
    frac = f"{micro // 1000:03d}" if micro % 1000 == 0 else f"{micro:06d}"
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + frac + "Z"


def hashtags_in(text: str) -> list[str]:
    """Hashtags in plain text, in order, without '#', first spelling kept, duplicates dropped.

    >>> hashtags_in("Proud of #myNYPD and #MyNypd, not #1 or &#39;")
    ['myNYPD']
    """
    return unique(HASHTAG.findall(text))


def mentions_in(text: str) -> list[str]:
    """Mentioned handles in plain text (`@user` or `@user@host`), without '@'."""
    return unique(MENTION.findall(text))


def urls_in(text: str) -> list[str]:
    """http(s) URLs in plain text, trailing punctuation removed."""
    return unique(u.rstrip(_URL_TAIL) for u in URL.findall(text))


def unique(items: Any) -> list[str]:
    """Drop empty and case-insensitive duplicate strings, keeping the first spelling and the order."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if not item or not isinstance(item, str):
            continue
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def need(raw: dict[str, Any], key: str, what: str = "record") -> Any:
    """`raw[key]`, raising `MissingField` when it is absent or null."""
    value = raw.get(key)
    if value is None:
        raise MissingField(key, what)
    return value


def need_object(raw: dict[str, Any], key: str, what: str = "record") -> dict[str, Any]:
    """`raw[key]` when it is a JSON object; `MissingField` when absent, `SourceError` when not an object."""
    value = need(raw, key, what)
    if not isinstance(value, dict):
        raise SourceError(f"{what} field {key!r} should be an object, not a {type(value).__name__}")
    return value


def text_field(value: Any, field: str = "text", what: str = "record") -> str:
    """A record's text: a string as it is, a number (some exporters write all-digit texts as numbers) as
    its digits; `MissingField` when absent or null, `SourceError` naming the JSON type otherwise.

    >>> text_field(2014), text_field("ok")
    ('2014', 'ok')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if value is None:
        raise MissingField(field, what)
    kind = {dict: "object", list: "array", bool: "boolean"}.get(type(value), type(value).__name__)
    raise SourceError(f"{what}'s {field!r} is a JSON {kind}, not text")


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is a dict, else an empty dict (for optional nested objects)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` when it is a list, else an empty list (for optional arrays)."""
    return value if isinstance(value, list) else []


def str_id(value: Any) -> str | None:
    """An identifier as a string; None for null/empty."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    raise SourceError(f"identifier of type {type(value).__name__}")


def mapping(func: F) -> F:
    """Decorate a `to_post`: turn the errors of a malformed record into `SourceError`s.

    A record of the wrong shape fails with KeyError/TypeError/AttributeError deep inside a mapping, or
    with a pydantic ValidationError when the Post is built; callers only need to catch `SourceError`.
    """

    @functools.wraps(func)
    def wrapper(raw: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(raw, dict):
            raise SourceError(f"expected a JSON object, got {type(raw).__name__}")
        try:
            return check_date(func(raw, *args, **kwargs))
        except SourceError:
            raise
        except ValidationError as exc:
            raise SourceError(_validation_summary(exc)) from exc
        except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
            raise SourceError(f"{type(exc).__name__}: {exc}") from exc

    return wrapper  # type: ignore[return-value]


def check_date(post: Any, now: datetime | None = None) -> Any:
    """`post` when it is dated within its platform's possible range (`PLATFORM_START` to a day after
    `now`); otherwise `ImpossibleDate` naming the date and the range. Undated posts (a CSV row without
    a time) and anything not a post pass.

    >>> from backfire.model import Author, Post
    >>> old = Post(id="1", platform="twitter", author=Author(handle="a"), text="hi",
    ...            created_at=datetime(1, 1, 1, tzinfo=UTC))
    >>> try:
    ...     check_date(old, now=datetime(2026, 1, 1, tzinfo=UTC))
    ... except ImpossibleDate as exc:
    ...     print(exc)
    dated 0001-01-01T00:00:00Z, outside twitter's possible range 2006-03-21 to 2026-01-02
    """
    if not isinstance(post, Post) or post.undated:
        return post
    start = PLATFORM_START.get(post.platform, OTHER_START)
    end = (now + FUTURE_SLACK) if now is not None else _latest(int(time.time()))
    at = post.created_at if post.created_at.tzinfo else post.created_at.replace(tzinfo=UTC)
    if not start <= at <= end:
        when = at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        raise ImpossibleDate(f"dated {when}, outside {post.platform}'s possible range "
                             f"{start.date().isoformat()} to {end.date().isoformat()}")
    return post


@functools.lru_cache(maxsize=1)
def _latest(second: int) -> datetime:
    """The latest possible time of a post read during `second` (the end of that second, plus the slack):
    worked out once a second, not once a post."""
    return datetime.fromtimestamp(second + 1, UTC) + FUTURE_SLACK


def _validation_summary(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]]
    return "wrong types: " + "; ".join(parts)


def unescape_twitter(text: str) -> str:
    """Twitter escapes exactly '&', '<' and '>' in tweet text; undo that (and nothing else)."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape_twitter(text: str) -> str:
    """The inverse of `unescape_twitter`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def spans(text: str, needle: str) -> list[int]:
    """Start (code-point) offsets of `needle` in `text`, case-insensitive, non-overlapping."""
    found, low, start = [], needle.casefold(), 0
    hay = text.casefold()
    if len(hay) != len(text):  # casefold changed lengths (e.g. 'ß'): fall back to exact search
        hay, low = text, needle
    while (i := hay.find(low, start)) >= 0:
        found.append(i)
        start = i + len(low)
    return found
