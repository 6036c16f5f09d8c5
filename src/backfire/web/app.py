"""The live dashboard (FastAPI): campaigns, each campaign's timeline, posts and curation queue.

Each page and its `.json` twin are served by one function (the route checks the suffix) from the data
functions of `web/pages.py`, which aggregate in SQL. The campaign page updates live: `/events` is a
server-sent event stream that says when the store changed (another process's ingest or watch commits,
or a reviewer's decision here), and `static/app.js` fetches the JSON twin and redraws. Templates
escape everything; no inline script or style (the CSP forbids them); every response carries the
security headers and is refused under a Host name the server does not answer to (`web/security.py`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from backfire import accounts, settings
from backfire.curate import CurationError, correct, decide, refresh
from backfire.curate.export import export_approved
from backfire.model import Campaign
from backfire.report.stored import picture as stored_picture
from backfire.store import open_store
from backfire.web import pages
from backfire.web.auth import Viewer, add_login, check_csrf, who
from backfire.web.security import Guard, allowed_hosts, is_loopback

HERE = Path(str(files("backfire.web")))


class ServeRefused(RuntimeError):
    """`serve` will not listen where it was asked (the message says what to do)."""


def create_app(db: str, hosts: set[str] | None = None, *, secure_cookies: bool | None = None,
               session_hours: float | None = None, poll_seconds: float = 0.5, stream_seconds: float = 300.0,
               hold_hours: float | None = None) -> Any:
    """The dashboard over the SQLite store at `db`, answering Host names `hosts` (default: loopback)."""
    store = open_store(db)
    cache = pages.PageCache()
    hold = float(settings.CURATE_HOLD_HOURS.resolve(hold_hours))
    changes = [0]  # bumped by this process's own writes (data_version counts other connections' commits)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="backfire", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["tilde"] = pages.encode_name
    env.filters["pct"] = lambda v: "–" if v is None else f"{float(v):.0%}"
    templates = Jinja2Templates(env=env)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    add_login(app, store, templates, bool(settings.SECURE_COOKIES.resolve(secure_cookies)),
              float(settings.SESSION_HOURS.resolve(session_hours)))

    def render(request: Request, template: str, data: dict[str, Any], viewer: Viewer) -> Response:
        if request.url.path.endswith(".json"):
            return JSONResponse(data)
        context = {"data": data, "viewer": viewer.user, "csrf": viewer.csrf,
                   "error": request.query_params.get("error", "")}
        return templates.TemplateResponse(request, template, context)

    def campaign_of(name: str) -> Campaign:
        campaign = store.campaign(pages.decode_name(name))
        if campaign is None:
            raise HTTPException(status_code=404, detail="No such campaign: check the name, or ingest it first.")
        return campaign

    @app.get("/")
    @app.get("/campaigns.json")
    def campaigns(request: Request) -> Response:
        return render(request, "campaigns.html", pages.campaigns_data(store), who(store, request))

    @app.get("/campaigns/{name}")
    @app.get("/campaigns/{name}.json")  # registered first (decorators apply bottom-up), so it wins
    def campaign(request: Request, name: str) -> Response:
        viewer = who(store, request)
        found = campaign_of(name)
        data = cache.get(store, ("campaign", found.name, hold),
                         lambda: pages.campaign_data(store, found, hold_hours=hold))
        return render(request, "campaign.html", data, viewer)

    @app.get("/campaigns/{name}/pictures/{which}.svg")
    def picture(request: Request, name: str, which: str) -> Response:
        who(store, request)
        svg = stored_picture(store, campaign_of(name).name, which)
        if svg is None:
            raise HTTPException(status_code=404, detail="No such picture: run `backfire curate refresh` first.")
        return Response(svg, media_type="image/svg+xml")

    @app.get("/campaigns/{name}/posts.json")
    @app.get("/campaigns/{name}/posts")
    def posts(request: Request, name: str, q: str = "", stance: str = "", author: str = "", since: str = "",
              until: str = "", page: int = 1) -> Response:
        viewer = who(store, request)
        data = pages.posts_data(store, campaign_of(name), q, stance, author, since, until, page)
        return render(request, "posts.html", data, viewer)

    @app.get("/campaigns/{name}/queue.json")
    @app.get("/campaigns/{name}/queue")
    def queue(request: Request, name: str, state: str = "", page: int = 1) -> Response:
        viewer = who(store, request)
        return render(request, "queue.html", pages.queue_data(store, campaign_of(name), state, page, hold), viewer)

    @app.get("/campaigns/{name}/log.json")
    @app.get("/campaigns/{name}/log")
    def log(request: Request, name: str) -> Response:
        viewer = who(store, request)
        return render(request, "log.html", pages.log_data(store, campaign_of(name)), viewer)

    def back(name: str, error: str = "") -> Response:
        changes[0] += 1
        suffix = f"?error={quote(error, safe='')}" if error else ""
        return RedirectResponse(f"/campaigns/{name}/queue{suffix}", status_code=303)

    @app.post("/campaigns/{name}/queue/decide")
    def decide_post(request: Request, name: str, key: str = Form(...), action: str = Form(...),
                    reason: str = Form(""), csrf: str = Form("")) -> Response:
        viewer = who(store, request, "curate")
        check_csrf(viewer, csrf)
        try:
            decide(store, campaign_of(name).name, key, action, viewer.user.name, reason, hold_hours=hold)
        except CurationError as e:
            return back(name, str(e))
        return back(name)

    @app.post("/campaigns/{name}/queue/correct")
    def correct_post(request: Request, name: str, key: str = Form(...), stance: str = Form(...),
                     reason: str = Form(""), csrf: str = Form("")) -> Response:
        viewer = who(store, request, "curate")
        check_csrf(viewer, csrf)
        try:
            correct(store, campaign_of(name).name, key, stance, viewer.user.name, reason)
        except CurationError as e:
            return back(name, str(e))
        return back(name)

    @app.post("/campaigns/{name}/queue/refresh")
    def refresh_queue(request: Request, name: str, csrf: str = Form("")) -> Response:
        viewer = who(store, request, "curate")
        check_csrf(viewer, csrf)
        refresh(store, campaign_of(name), actor=viewer.user.name, hold_hours=hold)
        return back(name)

    @app.get("/campaigns/{name}/approved.{fmt}")
    def approved(request: Request, name: str, fmt: str) -> Response:
        who(store, request)
        if fmt not in ("jsonl", "csv"):
            raise HTTPException(status_code=404, detail="Export as approved.jsonl or approved.csv.")
        import io

        out = io.StringIO()
        export_approved(store, campaign_of(name).name, out, fmt)
        kind = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return PlainTextResponse(out.getvalue(), media_type=f"{kind}; charset=utf-8",
                                 headers={"content-disposition": f'attachment; filename="approved.{fmt}"'})

    @app.get("/campaigns/{name}/events")
    async def events(request: Request, name: str) -> Response:
        await run_in_threadpool(who, store, request)
        await run_in_threadpool(campaign_of, name)

        async def stream() -> AsyncIterator[str]:
            yield "retry: 1000\n\n"
            seen: tuple[int, int] | None = None
            loop = asyncio.get_running_loop()
            stop = loop.time() + stream_seconds
            while loop.time() < stop and not await request.is_disconnected():
                version = (await run_in_threadpool(store.data_version), changes[0])
                if version != seen:
                    seen = version
                    yield f"event: update\ndata: {json.dumps({'version': list(version)})}\n\n"
                await asyncio.sleep(poll_seconds)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-store"})

    @app.get("/campaigns/{rest:path}")
    def any_name(request: Request, rest: str) -> Response:
        """A campaign named in a URL as it is (percent-encoded or with raw slashes): go to its page."""
        who(store, request)
        if store.campaign(rest) is None:
            raise HTTPException(status_code=404, detail="No such campaign: check the name, or ingest it first.")
        return RedirectResponse(f"/campaigns/{pages.encode_name(rest)}", status_code=308)

    return Guard(app, hosts if hosts is not None else allowed_hosts("127.0.0.1"))


def serve(db: str, host: str, port: int, extra_hosts: str = "") -> None:
    """Serve the dashboard until interrupted. Refuses a non-loopback `host` while no admin account exists."""
    import uvicorn

    if not is_loopback(host):
        with open_store(db) as store:
            if not accounts.has_admin(store):
                raise ServeRefused(f"Refusing to listen on {host}: no admin account exists. Create one with "
                                   "`backfire users add NAME --role admin`, or serve on 127.0.0.1.")
    hosts = allowed_hosts(host, extra_hosts.split(","))
    uvicorn.run(create_app(db, hosts), host=host, port=port, log_level="warning")
