"""`backfire watch --campaigns FILE`: many campaigns over one stream connection.

Parses the campaigns file, builds one lane per campaign (its own pipeline and alert channels) and
runs `live.many.ManyWatcher`; the status line and the summary show every campaign's counts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from backfire import settings
from backfire.cli.common import alarm_hooks, err, make_detector
from backfire.cli.live import Status, parse_since, run_watcher
from backfire.live import Backoff, Lane, ManyWatcher, WatchError, pipeline_lane, shared_source
from backfire.live.campaigns import CampaignEntry, CampaignsFileError, read_campaigns
from backfire.store import Store, open_store

Alerts = tuple[str | None, str | None, str | None]


def watch_campaigns(path: Path, source: str, url: str | None, token: str | None, db: str | None,
                    since: str | None, compress: bool, dictionary: Path | None, pipeline: bool,
                    model: str | None, detector: str | None, alerts: Alerts, as_json: bool,
                    options: dict[str, Any]) -> None:
    """Watch every campaign of the file at `path`; print the summary (and JSON with `as_json`)."""
    try:
        entries = read_campaigns(path)
        stream = shared_source(source, {e.campaign.name: e.campaign.tags for e in entries}, url, token=token,
                               compress=compress, dictionary=dictionary, since=parse_since(since))
    except (CampaignsFileError, WatchError, OSError, ValueError) as exc:
        err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    with open_store(settings.DB.resolve(db)) as store:
        lanes = _lanes(store, entries, pipeline, model, detector, alerts)
        status = Status(err)
        stats = run_watcher(ManyWatcher(stream, store, lanes, reporter=status, backoff=Backoff(), **options), status)
    err.print(stats.summary(), highlight=False)
    if as_json:
        typer.echo(json.dumps(stats.as_dict(), ensure_ascii=False))


def _lanes(store: Store, entries: list[CampaignEntry], pipeline: bool, model: str | None,
           detector: str | None, alerts: Alerts) -> list[Lane]:
    """One lane per campaign: stored when new, with its own pipeline unless collecting only."""
    campaigns = []
    for entry in entries:
        if store.campaign(entry.campaign.name) is None:
            store.save_campaign(entry.campaign)
        campaigns.append(store.campaign(entry.campaign.name) or entry.campaign)
    if not pipeline:
        return [Lane(c) for c in campaigns]
    try:
        from backfire.understand import get_classifier

        classifier = get_classifier(settings.MODEL.resolve(model))  # loaded once, shared by every lane
    except Exception as exc:  # weights or a module missing: still collect, and say so
        err.print(f"[yellow]Collecting only:[/yellow] the pipeline could not start ({escape(str(exc))}). "
                  "Run `backfire analyze CAMPAIGN` once it can.", highlight=False)
        return [Lane(c) for c in campaigns]
    lanes = []
    for entry, camp in zip(entries, campaigns, strict=True):
        own = (entry.webhook_url, entry.slack_webhook, entry.smtp_url)
        chosen = tuple(mine if mine is not None else flag for mine, flag in zip(own, alerts, strict=True))
        try:
            named = f"{camp.tags[0]} (campaign {camp.name})"  # campaigns may share a tag: say whose alarm
            lanes.append(pipeline_lane(camp, store, classifier, make_detector(camp, detector),
                                       on_alarm=alarm_hooks(named, *chosen), on_failure=_failed))
        except Exception as exc:  # this campaign's detector or alert settings: collect it, say so
            err.print(f"[yellow]Collecting only for {escape(camp.name)}:[/yellow] its pipeline could not start "
                      f"({escape(str(exc))}).", highlight=False)
            lanes.append(Lane(camp))
    return lanes


def _failed(lane: Lane, exc: Exception) -> None:
    err.print(f"[red]The pipeline of {escape(lane.name)} failed ({escape(str(exc))}); collecting only for it "
              f"from now on.[/red] Run `backfire analyze {escape(lane.name)}` to classify what was collected.",
              highlight=False)
