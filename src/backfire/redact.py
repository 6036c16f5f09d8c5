"""Secrets out of everything backfire prints, logs, stores or reports.

Alert settings are URLs that carry credentials: a password in the user part (`smtp://bot:pw@host`,
`https://user:pw@hooks.example.org`), a token in the query (`?token=...`, `?key=...`) or in the path (a
Slack incoming webhook's last segment, a Discord webhook's token). `redact_url` keeps what identifies
the endpoint (scheme, user, host, port, the path's plain words) and replaces every credential with `***`;
`redact` does the same to each URL inside a text and to known secret values.

>>> redact_url("smtp://bot:hunter22@mail.example.org:587?from=a@x.org&to=b@y.org")
'smtp://bot:***@mail.example.org:587?from=a@x.org&to=b@y.org'
>>> redact_url("https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnop")
'https://hooks.slack.com/services/T0001/B0002/***'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

MASK = "***"
_SECRET_NAMES = re.compile(r"(token|key|secret|pass|pwd|sig|auth|credential|session|code)", re.IGNORECASE)
_TOKEN_LIKE = re.compile(r"^(?=[A-Za-z0-9_\-.=~]*[A-Za-z])(?=[A-Za-z0-9_\-.=~]*[0-9])[A-Za-z0-9_\-.=~]{16,}$")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()\[\]{}]+")


def _path(host: str, path: str) -> str:
    parts = path.split("/")
    slack = host.endswith("slack.com") and "services" in parts
    out = []
    for i, part in enumerate(parts):
        after_services = slack and i > parts.index("services") + 2
        out.append(MASK if part and (after_services or _TOKEN_LIKE.match(part)) else part)
    return "/".join(out)


def _query(query: str) -> str:
    out = []
    for item in query.split("&"):
        name, eq, value = item.partition("=")
        out.append(f"{name}={MASK}" if eq and value and _SECRET_NAMES.search(name) else item)
    return "&".join(out)


def redact_url(url: str) -> str:
    """`url` with its password, secret query values and token-like path segments replaced by `***`."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # a malformed port is reported by urlsplit only when read
    except ValueError:
        return MASK if "@" in url or "?" in url else url
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if colon else f"{user}@{hostport}"
    return urlunsplit((parts.scheme, netloc, _path(host, parts.path), _query(parts.query), parts.fragment))


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every URL in it redacted and every one of `secrets` (known values) replaced by `***`."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


def secrets_of(url: str) -> list[str]:
    """The credential values inside `url` (its password, secret query values, token-like path segments), to
    scrub from messages that quote them without the URL (an exception's text, a server's answer)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.password or ""]
    pairs = [item.partition("=") for item in parts.query.split("&")]
    found += [v for n, eq, v in pairs if eq and _SECRET_NAMES.search(n)]
    shown = _path(parts.hostname or "", parts.path).split("/")
    found += [p for p, s in zip(parts.path.split("/"), shown, strict=False) if s == MASK and p != MASK]
    return [s for v in found if v for s in {v, unquote(v)}]
