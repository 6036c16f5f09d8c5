"""What guards every response: the Host check (no DNS-rebinding reads) and the security headers.

A pure ASGI middleware, so it covers every response (pages, JSON, static files, errors, the event
stream) without buffering the event stream.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
WILDCARD = {"", "0.0.0.0", "::"}


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (what `serve` may listen on without an admin account)."""
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bound: str, extra: Iterable[str] = ()) -> set[str]:
    """Host header names the dashboard answers: loopback names, the address it is bound to (the machine's
    names when bound to every address) and `extra`."""
    names = set(LOOPBACK) | {e.strip().lower() for e in extra if e.strip()}
    if bound in WILDCARD:
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    else:
        names.add(bound.strip("[]").lower())
    return names


def host_name(header: str) -> str:
    """The name part of a Host header ('[::1]:8008' -> '::1', 'a.b:80' -> 'a.b')."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """Refuse requests naming another Host; add the security headers to every response."""

    def __init__(self, app: ASGIApp, hosts: set[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        if host_name(host) not in self.hosts:
            refused: Any = PlainTextResponse(
                "Unknown Host header: open the dashboard by the address it serves, or add this name to "
                "the allowed_hosts setting.", status_code=400)
            await refused(scope, receive, guarded)
            return
        await self.app(scope, receive, guarded)
