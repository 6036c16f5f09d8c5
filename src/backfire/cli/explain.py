"""The `analyze` command: classify and watch a stored campaign, then explain it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from backfire import settings
from backfire.cli.app import app
from backfire.cli.common import alarm_hooks, err, finish_alerts, make_detector
from backfire.cli.core import _campaign_of, _fail, _open, _progress
from backfire.cli.engine import ray_options
from backfire.cli.live import parse_since
from backfire.model import Campaign
from backfire.store import Store

if TYPE_CHECKING:
    from backfire.explain.narratives import Embed
    from backfire.scale import RayOptions

SinceOpt = Annotated[str | None, typer.Option("--since", help="Explain from this time (ISO, or 2h/1d ago).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Explain up to this time (ISO, or 2h/1d ago).")]


@app.command("analyze")
def analyze_cmd(
    campaign: Annotated[str, typer.Argument(help="A campaign in the store.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as one JSON object.")] = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    reclassify: Annotated[bool, typer.Option("--reclassify", help="Classify every post again.")] = False,
    db: str | None = settings.DB.option(),
    model: str | None = settings.MODEL.option(),
    detector: str | None = settings.DETECTOR.option(),
    webhook_url: str | None = settings.WEBHOOK_URL.option(),
    slack_webhook: str | None = settings.SLACK_WEBHOOK.option(),
    smtp_url: str | None = settings.SMTP_URL.option(),
    false_alarms: float | None = settings.FALSE_ALARMS.option(),
    design_effect: float | None = settings.DESIGN_EFFECT.option(),
    alert_wait: float | None = settings.ALERT_WAIT.option(),
    engine: str | None = settings.ENGINE.option(),
    address: str | None = settings.RAY_ADDRESS.option("--address"),
    workers: int | None = settings.WORKERS.option(min=0),
) -> None:
    """Classify and watch a stored campaign (verdicts and alarms stored), then explain it: cascade,
    triggers, amplifiers, narratives, what changed at the onset. With --engine ray the texts are classified
    by a pool of Ray actors and the campaign watched in a Ray task."""
    from backfire.explain.analysis import explain_campaign
    from backfire.explain.text import describe

    ray = ray_options(engine, address, workers)
    try:
        start, end = parse_since(since), parse_since(until)
    except ValueError as exc:
        raise _fail(str(exc).replace("--since", "--since/--until")) from exc
    with _open(db) as store:
        camp = _campaign_of(store, campaign)
        if reclassify or store.count_verdicts(campaign) < store.count_posts(campaign):
            _classify_and_watch(store, camp, model, detector, (webhook_url, slack_webhook, smtp_url),
                                false_alarms, design_effect, ray, str(settings.DB.resolve(db)))
        err.print("Explaining the campaign...", highlight=False)
        data = explain_campaign(store, camp, start, end, embed=_embedder(model))
        if start is None and end is None:  # the dashboard shows the whole campaign's explanation
            from backfire.report.stored import remember

            remember(store, camp, data)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        for line in describe(data):
            typer.echo(line)
    finish_alerts(alert_wait)


def _classify_and_watch(store: Store, camp: Campaign, model: str | None, detector: str | None,
                        channels: tuple[str | None, str | None, str | None], false_alarms: float | None,
                        design_effect: float | None, ray: RayOptions | None = None, location: str = "") -> None:
    from backfire.pipeline import analyze_campaign
    from backfire.understand import get_classifier

    det = make_detector(camp, detector, false_alarms, design_effect)
    tag = camp.tags[0] if camp.tags else camp.name
    if ray is not None:
        from backfire.scale import Engine, run_analyze

        err.print(f"Classifying and watching {camp.name} on Ray...", highlight=False)
        run = run_analyze(location, [camp], [det], settings.MODEL.resolve(model), Engine.RAY, ray.workers,
                          ray.address, on_alarm=alarm_hooks(tag, *channels))
        s = run.results[0].summary
        err.print(f"Analysed {s['posts']:,} posts of {camp.name}: {s['stances']}; {s['alarms']} alarm(s) "
                  f"({run.timing.line()})", highlight=False)
        return
    classifier = get_classifier(settings.MODEL.resolve(model))
    with _progress() as bar:
        task = bar.add_task("Classifying and watching", total=store.count_posts(camp.name))
        pipeline = analyze_campaign(store, camp, classifier, det, on_alarm=alarm_hooks(tag, *channels),
                                    progress=lambda n: bar.update(task, completed=n))
    s = pipeline.summary()
    err.print(f"Analysed {s['posts']:,} posts of {camp.name}: {s['stances']}; {s['alarms']} alarm(s)",
              highlight=False)


def _embedder(model: str | None) -> Embed | None:
    """The sentence embeddings narratives cluster: the classifier's own when it has them."""
    from backfire.explain.narratives import classifier_embedder

    return classifier_embedder(settings.MODEL.resolve(model))
