"""Logging in and out of the dashboard, who is asking, and CSRF checks on every form.

The session cookie is HttpOnly, SameSite=Strict and Secure (unless the `secure_cookies` setting is
off); the store keeps only its hash. Every form carries the session's CSRF token; the login form, which
comes before any session, carries a token that must match a cookie of its own (double submit).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from backfire import accounts
from backfire.store import Store, User

SESSION = "backfire_session"
LOGIN = "backfire_login"


@dataclass(frozen=True)
class Viewer:
    user: User
    csrf: str


class NeedsLogin(Exception):
    """Raised by `who` when nobody is logged in (pages redirect to the login form; JSON answers 401)."""


def who(store: Store, request: Request, right: str = "read") -> Viewer:
    """The logged-in user if they hold `right` (read, curate, admin); 403 if not theirs, NeedsLogin if nobody."""
    found = accounts.session_user(store, request.cookies.get(SESSION))
    if found is None:
        raise NeedsLogin()
    user, csrf = found
    if not accounts.can(user.role, right):
        raise HTTPException(status_code=403, detail=f"Your role ({user.role}) cannot {right}; ask an admin.")
    return Viewer(user, csrf)


def check_csrf(viewer: Viewer, token: str | None) -> None:
    if not accounts.same_token(viewer.csrf, token):
        raise HTTPException(status_code=403, detail="The form's CSRF token is missing or stale: reload the page.")


def _local(path: str) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def add_login(app: FastAPI, store: Store, templates: Jinja2Templates, secure: bool, hours: float) -> None:
    """The login and logout routes, and the handler that sends anonymous page requests to the login form."""

    def cookie(response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, secure=secure, samesite="strict", path="/")

    @app.exception_handler(NeedsLogin)
    async def needs_login(request: Request, exc: NeedsLogin) -> Response:
        if request.url.path.endswith((".json", ".jsonl", ".csv", "/events")) or request.method != "GET":
            return Response('{"detail": "Log in first."}', status_code=401, media_type="application/json")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.get("/login")
    def login_form(request: Request, next: str = "/", failed: int = 0) -> Response:
        token = secrets.token_urlsafe(32)
        context: dict[str, Any] = {"csrf": token, "next": _local(next), "failed": bool(failed), "viewer": None}
        response = templates.TemplateResponse(request, "login.html", context)
        cookie(response, LOGIN, token, 3600)
        return response

    @app.post("/login")
    def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form(""),
              next: str = Form("/")) -> Response:
        if not accounts.same_token(request.cookies.get(LOGIN, ""), csrf):
            raise HTTPException(status_code=403, detail="The login form's CSRF token is missing or stale: reload.")
        user = accounts.authenticate(store, name, password)
        if user is None:
            return RedirectResponse(f"/login?failed=1&next={quote(_local(next), safe='')}", status_code=303)
        token, _ = accounts.start_session(store, user, hours)
        response = RedirectResponse(_local(next), status_code=303)
        cookie(response, SESSION, token, int(hours * 3600))
        response.delete_cookie(LOGIN, path="/")
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        check_csrf(who(store, request), csrf)
        accounts.end_session(store, request.cookies.get(SESSION))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION, path="/")
        return response
