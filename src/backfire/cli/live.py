"""The `watch` command: follow a campaign's tags live on Bluesky (Jetstream) or a Mastodon instance.

Posts are committed to the store with the stream's cursor, then run through the pipeline (classify,
detect, alert). The status line goes to stderr; the summary goes to stderr at the end (and to stdout
as JSON with `--json`).
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from backfire import settings
from backfire.cli.app import app
from backfire.cli.common import alarm_hooks, err, finish_alerts, make_detector
from backfire.live import JETSTREAM_URL, Backoff, JetstreamSource, MastodonSource, Watcher, WatchError, WatchStats
from backfire.live.base import PostsHook, StreamSource
from backfire.model import Campaign, Post
from backfire.store import Store, open_store


class SourceName(StrEnum):
    jetstream = "jetstream"
    mastodon = "mastodon"


class Status:
    """Shows the watcher's state on stderr: a spinner on a terminal, state changes as lines always."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.spinner: Any = None
        self._last_state = ""

    def __call__(self, state: str, stats: WatchStats) -> None:
        if state != self._last_state:
            self._last_state = state
            if not self.console.is_terminal:
                self.console.print(state, highlight=False)
        if self.spinner is not None:
            self.spinner.update(f"{state} · {stats.status_line()}")


@app.command("watch")
def watch_cmd(
    source: Annotated[SourceName, typer.Option("--source", help="Where to watch: jetstream or mastodon.")],
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A hashtag to watch (repeat for several).")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Campaign name (default: first tag).")] = None,
    campaigns_file: Annotated[Path | None, typer.Option(
        "--campaigns", help="Watch every campaign this TOML or JSON file lists, over one connection "
        "(instead of --tag/--campaign/--owner).")] = None,
    url: Annotated[str | None, typer.Option(
        "--url", help=f"Jetstream websocket URL (default {JETSTREAM_URL}) or the Mastodon instance URL.")] = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="BACKFIRE_MASTODON_TOKEN", help="Mastodon access token, if the instance needs one.")] = None,
    db: str | None = settings.DB.option(),
    max_events: Annotated[int | None, typer.Option("--max-events", help="Stop after N events.")] = None,
    idle_exit: Annotated[float | None, typer.Option(
        "--idle-exit", help="Stop after SECONDS without any event.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="On a first run, start this far back: 30m, 2h, 1d or an ISO time.")] = None,
    compress: Annotated[bool, typer.Option("--compress", help="Ask Jetstream for zstd-compressed frames.")] = False,
    zstd_dictionary: Annotated[Path | None, typer.Option(
        "--zstd-dictionary", help="The zstd dictionary Jetstream publishes (needed with --compress).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Commit every N posts...")] = 500,
    batch_ms: Annotated[int, typer.Option("--batch-ms", help="...or every MS milliseconds.")] = 500,
    pipeline: Annotated[bool, typer.Option(
        "--pipeline/--no-pipeline", help="Classify, detect and alert as posts arrive.")] = True,
    model: str | None = settings.MODEL.option(),
    detector: str | None = settings.DETECTOR.option(),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    owner: Annotated[str | None, typer.Option("--owner", help="The campaign owner's handle.")] = None,
    webhook_url: str | None = settings.WEBHOOK_URL.option(),
    slack_webhook: str | None = settings.SLACK_WEBHOOK.option(),
    smtp_url: str | None = settings.SMTP_URL.option(),
    alert_wait: float | None = settings.ALERT_WAIT.option(),
) -> None:
    """Watch a campaign's tags live (or many campaigns' with --campaigns), committing posts with the stream
    cursor; Ctrl-C stops cleanly."""
    alerts = (webhook_url, slack_webhook, smtp_url)
    options: dict[str, Any] = {"max_events": max_events, "idle_exit": idle_exit, "batch_size": batch_size,
                               "batch_ms": batch_ms}
    if campaigns_file is not None:
        if tag or campaign or owner:
            err.print("[red]Error:[/red] --campaigns lists the campaigns; leave out --tag, --campaign and --owner.")
            raise typer.Exit(2)
        from backfire.cli.live_many import watch_campaigns

        watch_campaigns(campaigns_file, source.value, url, token, db, since, compress, zstd_dictionary,
                        pipeline, model, detector, alerts, as_json, options)
        finish_alerts(alert_wait)
        return
    if not tag:
        err.print("[red]Error:[/red] give --tag (one campaign; repeat for several tags) or --campaigns FILE.")
        raise typer.Exit(2)
    camp = Campaign(name=campaign or tag[0].lstrip("#"), tags=tag, owners=[owner] if owner else [])
    try:
        stream = _source(source, camp, url, token, compress, zstd_dictionary, parse_since(since))
    except (WatchError, OSError, ValueError) as exc:
        err.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(2) from exc
    with open_store(settings.DB.resolve(db)) as store:
        if store.campaign(camp.name) is None:
            store.save_campaign(camp)
        known = store.campaign(camp.name) or camp
        hook = _pipeline_or_none(store, known, model, detector, alerts) if pipeline else None
        stats = _run(stream, store, camp.name, hook, **options)
    err.print(stats.summary(), highlight=False)
    if as_json:
        typer.echo(json.dumps(stats.as_dict(), ensure_ascii=False))
    finish_alerts(alert_wait)


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """`30m`, `2h`, `1d` (that long ago) or an ISO 8601 time (UTC when naive).

    >>> parse_since("2h", now=datetime(2025, 11, 21, 12, tzinfo=UTC)).isoformat()
    '2025-11-21T10:00:00+00:00'
    """
    if not text:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text)
    if match:
        seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
        return (now or datetime.now(UTC)) - timedelta(seconds=seconds)
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"--since {text!r}: give a duration like 30m, 2h, 1d or an ISO time") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _source(name: SourceName, camp: Campaign, url: str | None, token: str | None, compress: bool,
            dictionary: Path | None, since: datetime | None) -> StreamSource:
    if name is SourceName.jetstream:
        return JetstreamSource(camp.tags, camp.name, url or JETSTREAM_URL, compress=compress,
                               dictionary=dictionary, since=since)
    if not url:
        raise WatchError("--source mastodon needs --url, the instance to watch (e.g. https://mastodon.social)")
    return MastodonSource(url, camp.tags, camp.name, token=token, since=since)


def _run(stream: StreamSource, store: Store, campaign: str, hook: PostsHook | None, **options: Any) -> WatchStats:
    status = Status(err)
    watcher = Watcher(stream, store, campaign, on_posts=hook, reporter=status, backoff=Backoff(), **options)
    return run_watcher(watcher, status)


def run_watcher(watcher: Watcher, status: Status) -> WatchStats:
    """Run `watcher` with a spinner on a terminal; a `WatchError` ends the command with status 2."""
    try:
        if err.is_terminal:
            with err.status("starting") as spinner:
                status.spinner = spinner
                return asyncio.run(watcher.run())
        return asyncio.run(watcher.run())
    except WatchError as exc:
        err.print(f"[red]Error:[/red] {exc}")
        err.print(watcher.stats.summary(), highlight=False)
        raise typer.Exit(2) from exc


def _pipeline_or_none(store: Store, camp: Campaign, model: str | None, detector: str | None,
                      alerts: tuple[str | None, str | None, str | None]) -> PostsHook | None:
    """The pipeline hook, or None (with a warning) when a part of the pipeline cannot be loaded."""
    try:
        return _pipeline_hook(store, camp, model, detector, alerts)
    except Exception as exc:  # any part missing (weights, a module): still collect, and say so
        err.print(f"[yellow]Collecting only:[/yellow] the pipeline could not start ({exc}). "
                  f"Run `backfire analyze {camp.name}` once it can.", highlight=False)
        return None


def _pipeline_hook(store: Store, camp: Campaign, model: str | None, detector: str | None,
                   alerts: tuple[str | None, str | None, str | None] = (None, None, None)) -> PostsHook:
    """Classify, detect and alert on each committed batch (alarms printed on stderr and sent on)."""
    from backfire.pipeline import Pipeline
    from backfire.understand import get_classifier

    pipe = Pipeline(
        camp,
        get_classifier(settings.MODEL.resolve(model)),
        make_detector(camp, detector),  # its tunings from the environment or the config file
        store=store,
        on_alarm=alarm_hooks(camp.tags[0], *alerts),
    )

    failed: list[Exception] = []

    def process(posts: list[Post]) -> None:
        if failed:
            return
        try:
            pipe.process(sorted(posts, key=lambda p: p.created_at))
        except Exception as exc:  # the posts are committed already; keep collecting, loudly
            failed.append(exc)
            err.print(f"[red]The pipeline failed ({exc}); collecting only from now on.[/red] "
                      f"Run `backfire analyze {camp.name}` to classify what was collected.", highlight=False)

    return process
