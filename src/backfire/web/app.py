"""A small FastAPI dashboard over the store: the campaign list and each campaign's report page.

`/campaigns/{name}` and `/campaigns/{name}.json` come from one function (`report.data.overview`), so
the page and its JSON twin can never disagree. Pages are rendered from the same template as the static
report, with every user-written text escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse

from backfire.report.data import overview
from backfire.report.html import render_report
from backfire.store import open_store


def create_app(db: str) -> FastAPI:
    """The dashboard app over the SQLite store at `db` (opened per request; WAL lets ingest run alongside)."""
    app = FastAPI(title="backfire", docs_url="/api/docs", openapi_url="/api/openapi.json")

    def campaign_data(name: str) -> dict[str, Any]:
        with open_store(db) as store:
            campaign = store.campaign(name)
            if campaign is None:
                raise HTTPException(status_code=404, detail=f"no campaign named {name!r}")
            return overview(store, campaign)

    def campaigns_data() -> list[dict[str, Any]]:
        with open_store(db) as store:
            return [
                {**c.model_dump(mode="json"), "posts": store.count_posts(c.name), "alarms": len(store.alarms(c.name))}
                for c in store.campaigns()
            ]

    @app.get("/campaigns.json")
    def campaigns_json() -> list[dict[str, Any]]:
        return campaigns_data()

    @app.get("/", response_class=HTMLResponse)
    def campaigns_page() -> str:
        rows = "".join(
            f'<li><a href="/campaigns/{escape(c["name"], quote=True)}">{escape(c["name"])}</a>: '
            f'{c["posts"]:,} posts, {c["alarms"]} alarm(s)</li>'
            for c in campaigns_data()
        )
        return (f"<!doctype html><meta charset=utf-8><title>backfire</title><h1>Campaigns</h1>"
                f"<ul>{rows or '<li>No campaign yet: run backfire ingest.</li>'}</ul>"
                f'<p><a href="/campaigns.json">JSON</a></p>')

    @app.get("/campaigns/{name}.json")
    def campaign_json(name: str) -> dict[str, Any]:
        return campaign_data(name)

    @app.get("/campaigns/{name}", response_class=HTMLResponse)
    def campaign_page(name: str) -> str:
        return render_report(campaign_data(name))

    return app


def serve(db: str, host: str, port: int) -> None:
    """Serve the dashboard until interrupted."""
    import uvicorn

    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")
