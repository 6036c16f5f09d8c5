"""Core commands: ingest, quarantine, classify, detect, export, report, demo, settings (`analyze`: cli/explain.py).

Each command parses its options, calls one library function and prints. Results go to stdout (or -o);
progress, warnings and summaries go to stderr, so stdout stays machine-readable.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from backfire import settings
from backfire.cli.app import app
from backfire.cli.common import alarm_hooks, err, finish_alerts, make_detector, print_alarm
from backfire.cli.engine import ingest_on, ray_options
from backfire.explain.export import export_row, write_export
from backfire.ingest import default_paths, empty_folders
from backfire.model import Campaign, Quarantined
from backfire.sources import SourceError
from backfire.store import Store, open_store

# Classification, detection and reporting pull in numpy, the model and matplotlib: they are imported by
# the commands that use them, so `ingest`, `quarantine` and `--help` start fast.


FormatOpt = Annotated[str | None, typer.Option("--format", "-f", help="Force the input format (default: detect).")]
TagOpt = Annotated[str | None, typer.Option("--tag", help="The campaign's hashtag, e.g. myNYPD.")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", help="The campaign owner's handle, e.g. NYPDnews.")]
IntentOpt = Annotated[str, typer.Option("--intent", help="One sentence on what the campaign asks for.")]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    )


@contextmanager
def _output(path: Path | None) -> Any:
    """stdout, or `path` written through a temporary file beside it: a run that fails leaves no file."""
    if path is None:
        yield sys.stdout
        return
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as fh:
            yield fh
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _one_file(file: Path, command: str) -> None:
    """Refuse a missing file or a folder (only `ingest` reads folders) before anything is written."""
    if not file.exists():
        raise _fail(f"No such file: {file}")
    if file.is_dir():
        raise _fail(f"{file} is a folder: `backfire {command}` reads one file (`backfire ingest` reads folders)")


def _open(db: str | None) -> Store:
    return open_store(settings.DB.resolve(db))


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]Error:[/red] {message}")
    return typer.Exit(2)


def _where(item: Quarantined) -> str:
    """`file line 3` and, for a record with an id, which one (the reason says which post of a page)."""
    text = f"{item.path} line {item.line}"
    if item.record_id:
        text += f" (id {item.record_id})"
    return text


def _missing_module(exc: ModuleNotFoundError) -> str:
    return (f"the classifier needs the Python package {exc.name!r}, which is not installed. The default model's "
            "packages are part of backfire's default install: reinstall it with its dependencies "
            "(`pip install --force-reinstall backfire`, after `pip install torch==2.13.0 --index-url "
            "https://download.pytorch.org/whl/cpu` for the CPU build), or choose `--model baseline`.")


def _warn_bad(item: Quarantined) -> None:
    err.print(f"[yellow]Skipped[/yellow] {escape(_where(item))}: {escape(item.reason)}", highlight=False)


def _campaign_of(store: Store, name: str) -> Campaign:
    campaign = store.campaign(name)
    if campaign is None:
        known = ", ".join(c.name for c in store.campaigns()) or "none yet"
        raise _fail(f"No campaign named {name!r} in {store.where()} (known: {known}). "
                    "Ingest posts with `backfire ingest FILE --campaign NAME` first.")
    return campaign


@app.command("ingest")
def ingest_cmd(
    files: Annotated[list[str], typer.Argument(help="Archive files or folders, any supported format, .gz ok.")],
    campaign: Annotated[str, typer.Option("--campaign", "-c", help="Campaign to file the posts under.")] = "default",
    tag: TagOpt = None,
    owner: OwnerOpt = None,
    intent: IntentOpt = "",
    fmt: FormatOpt = None,
    include_private: Annotated[bool, typer.Option(
        "--include-private", help="Also store Mastodon statuses that are not public or unlisted, and those of "
        "accounts that opted out (#nobot, #nosearch, noindex); by default they are skipped and counted.")] = False,
    db: str | None = settings.DB.option(),
    engine: str | None = settings.ENGINE.option(),
    address: str | None = settings.RAY_ADDRESS.option("--address"),
    workers: int | None = settings.WORKERS.option(min=0),
    write_on_workers: Annotated[bool, typer.Option(
        "--write-on-workers", help="With --engine ray and a store every worker reaches (PostgreSQL): each file is "
        "stored by the worker that reads it (posts of different files arrive interleaved).")] = False,
) -> None:
    """Store the posts of archive files in a campaign (idempotent, resumable, bad lines quarantined); with
    --engine ray the files are read in parallel on Ray."""
    ray = ray_options(engine, address, workers)
    if write_on_workers and ray is None:
        raise _fail("--write-on-workers needs --engine ray")
    try:
        paths = default_paths(files)
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
    for folder in empty_folders(files):
        err.print(f"[yellow]Warning:[/yellow] the folder {folder} holds no file to read", highlight=False)
    with _open(db) as store:
        known = store.campaign(campaign)
        if known is None or tag or owner or intent:
            base = known or Campaign(name=campaign)
            store.save_campaign(base.model_copy(update={
                "tags": [tag.lstrip("#")] if tag else base.tags,
                "owners": [owner.lstrip("@")] if owner else base.owners,
                "intent": intent or base.intent,
            }))
        with _progress() as bar:
            task = bar.add_task("Ingesting", total=None)
            report = ingest_on(store, paths, campaign, fmt, lambda n: bar.update(task, completed=n),
                               include_private, ray, str(settings.DB.resolve(db)) if write_on_workers else None)
    for item in report.problems[:10]:
        _warn_bad(item)
    err.print(report.summary(), highlight=False)
    if report.quarantined and not report.added and not report.duplicates and not report.deletions:
        raise typer.Exit(1)


@app.command("quarantine")
def quarantine_cmd(
    campaign: Annotated[str | None, typer.Option("--campaign", "-c", help="Only this campaign.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    db: str | None = settings.DB.option(),
) -> None:
    """List the input records that could not be read, with file, line and reason."""
    with _open(db) as store:
        items = list(store.quarantined(campaign))
    for q in items:
        if as_json:
            typer.echo(q.model_dump_json())
        else:
            which = f" id {q.record_id}" if q.record_id else ""  # the reason says which post of a page
            typer.echo(f"{q.path}:{q.line}:{which} {q.reason}  {q.snippet[:80]!r}")
    err.print(f"{len(items):,} quarantined records")


@app.command("classify")
def classify_cmd(
    file: Annotated[Path, typer.Argument(help="Posts in any supported format (CSV needs a text column).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write JSON Lines here.")] = None,
    tag: TagOpt = None,
    owner: OwnerOpt = None,
    intent: IntentOpt = "",
    fmt: FormatOpt = None,
    model: str | None = settings.MODEL.option(),
    engine: str | None = settings.ENGINE.option(),
    address: str | None = settings.RAY_ADDRESS.option("--address"),
    workers: int | None = settings.WORKERS.option(min=0),
) -> None:
    """Write one JSON line per post of FILE, in input order: stance, p_hostile, sarcasm, sentiment...
    (with --engine ray the distinct texts are classified by a pool of Ray actors)."""
    from backfire.jobs import classify_file
    from backfire.understand import get_classifier

    _one_file(file, "classify")
    ray = ray_options(engine, address, workers)
    campaign = Campaign.for_tag(tag, owner, intent) if (tag or owner or intent) else None
    classifier = get_classifier(settings.MODEL.resolve(model)) if ray is None else None  # Ray: loaded by its actors
    try:
        with _output(output) as out, _progress() as bar:
            task = bar.add_task("Classifying", total=None)
            if classifier is not None:
                report = classify_file(file, out, classifier, campaign, fmt, on_bad=_warn_bad,
                                       progress=lambda n: bar.update(task, completed=n))
            else:
                from backfire.scale import Engine, run_classify

                assert ray is not None
                report = run_classify(file, out, settings.MODEL.resolve(model), campaign, Engine.RAY, ray.workers,
                                      ray.address, fmt, on_bad=_warn_bad,
                                      progress=lambda n: bar.update(task, completed=n)).report
    except SourceError as exc:
        raise _fail(str(exc)) from exc
    except ModuleNotFoundError as exc:
        raise _fail(_missing_module(exc)) from exc
    err.print(report.summary("Classified"), highlight=False)
    if not report.posts:  # nothing usable was read (docs/cli.md: exit status 1)
        raise typer.Exit(1)


@app.command("detect")
def detect_cmd(
    file: Annotated[Path, typer.Argument(help="Posts in any supported format.")],
    tag: Annotated[str, typer.Option("--tag", help="The campaign's hashtag, e.g. myNYPD.")],
    owner: OwnerOpt = None,
    intent: IntentOpt = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with the alarms.")] = False,
    fmt: FormatOpt = None,
    model: str | None = settings.MODEL.option(),
    detector: str | None = settings.DETECTOR.option(),
    webhook_url: str | None = settings.WEBHOOK_URL.option(),
    slack_webhook: str | None = settings.SLACK_WEBHOOK.option(),
    smtp_url: str | None = settings.SMTP_URL.option(),
    false_alarms: float | None = settings.FALSE_ALARMS.option(),
    design_effect: float | None = settings.DESIGN_EFFECT.option(),
    alert_wait: float | None = settings.ALERT_WAIT.option(),
) -> None:
    """Classify the posts of FILE in time order and run the hijack detector over them."""
    from backfire.jobs import detect_file
    from backfire.understand import get_classifier

    _one_file(file, "detect")
    campaign = Campaign.for_tag(tag, owner, intent)
    classifier = get_classifier(settings.MODEL.resolve(model))
    det = make_detector(campaign, detector, false_alarms, design_effect)
    hooks = alarm_hooks(campaign.tags[0], webhook_url, slack_webhook, smtp_url)  # printed on stderr
    try:
        with _progress() as bar:
            task = bar.add_task("Classifying and watching", total=None)
            alarms, report = detect_file(file, campaign, classifier, det, fmt, on_alarm=hooks, on_bad=_warn_bad,
                                         progress=lambda n: bar.update(task, completed=n))
    except SourceError as exc:
        raise _fail(str(exc)) from exc
    except ModuleNotFoundError as exc:
        raise _fail(_missing_module(exc)) from exc
    if as_json:
        typer.echo(json.dumps({"campaign": campaign.name, "posts": report.posts, "owner_posts": report.owner_posts,
                               "alarms": [a.contract_fields() for a in alarms]}, ensure_ascii=False))
    err.print(report.summary("Watched") + f"; {len(alarms)} alarm(s)", highlight=False)
    if report.undated:
        err.print(f"[yellow]Note:[/yellow] {report.undated:,} posts of {file} have no time and were left out.",
                  highlight=False)
    if report.owner_posts == 0 and report.posts:
        advice = ("; a Jetstream (Bluesky) file names accounts by DID: give --owner the owner's DID (a handle is "
                  "matched only when a post of the file mentions it)." if report.format == "jetstream" else
                  ": check the spelling of the handle as the file writes it.")
        err.print(f"[yellow]Note:[/yellow] no post in {file} is by the owner {owner!r}, so none was skipped"
                  + advice, highlight=False)
    finish_alerts(alert_wait)


def _ensure_verdicts(store: Store, campaign: Campaign, model: str | None) -> None:
    from backfire.pipeline import analyze_campaign
    from backfire.understand import get_classifier
    from backfire.warn import get_detector

    if store.count_verdicts(campaign.name) < store.count_posts(campaign.name):
        err.print("Some posts have no verdict yet: analysing the campaign first.")
        classifier = get_classifier(settings.MODEL.resolve(model))
        analyze_campaign(store, campaign, classifier, get_detector("default", campaign=campaign))


@app.command("export")
def export_cmd(
    campaign: Annotated[str, typer.Argument(help="A campaign in the store.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or gexf (a graph).")] = "jsonl",
    graph: Annotated[str | None, typer.Option(
        "--graph", help="Export a graph instead of the posts: cascade or accounts (gexf: cascade by default).")] = None,
    include_deleted: Annotated[bool, typer.Option(
        "--include-deleted", help="Also write posts whose deletion was read (left out by default).")] = False,
    db: str | None = settings.DB.option(),
    model: str | None = settings.MODEL.option(),
) -> None:
    """Write a campaign's stored posts with their verdicts, one per line, in time order; or its cascade or
    account graph (--graph, or --format gexf) as GEXF, JSON Lines or CSV."""
    if fmt not in ("jsonl", "csv", "gexf"):
        raise _fail(f"Unknown export format {fmt!r}: use jsonl, csv or gexf.")
    if graph not in (None, "cascade", "accounts"):
        raise _fail(f"Unknown graph {graph!r}: use cascade or accounts.")
    with _open(db) as store:
        camp = _campaign_of(store, campaign)
        _ensure_verdicts(store, camp, model)
        if graph or fmt == "gexf":
            from backfire.explain.analysis import campaign_graphs
            from backfire.explain.graphio import write_graph

            cascade, accounts = campaign_graphs(store, camp)
            with _output(output) as out:
                n = write_graph(cascade if (graph or "cascade") == "cascade" else accounts, out, fmt)
            err.print(f"Exported the {graph or 'cascade'} graph of {campaign} ({n:,} rows)"
                      + (f" to {output}" if output else ""))
            return
        verdicts = store.verdicts(campaign)
        rows = (export_row(p, verdicts.get(p.key))
                for p in store.posts(campaign, direct_only=True, include_deleted=include_deleted))
        with _output(output) as out:
            n = write_export(rows, out, fmt)  # type: ignore[arg-type]
    err.print(f"Exported {n:,} posts of {campaign}" + (f" to {output}" if output else ""))


@app.command("report")
def report_cmd(
    campaign: Annotated[str, typer.Argument(help="A campaign in the store.")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder for index.html and report.json.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report's data as JSON instead.")] = False,
    png: Annotated[Path | None, typer.Option("--png", help="Also write PNG charts for slides to this folder.")] = None,
    db: str | None = settings.DB.option(),
    model: str | None = settings.MODEL.option(),
) -> None:
    """Write the static, self-contained HTML report of a campaign (timeline, alarms, top posts)."""
    from backfire.report.data import overview
    from backfire.report.html import write_report

    with _open(db) as store:
        camp = _campaign_of(store, campaign)
        _ensure_verdicts(store, camp, model)
        if as_json:
            from backfire.explain.narratives import classifier_embedder

            data = overview(store, camp, embed=classifier_embedder(settings.MODEL.resolve(model)))
            typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
            return
        from backfire.explain.narratives import classifier_embedder

        path = write_report(store, camp, Path(out or settings.REPORT_DIR.resolve(None)),
                            embed=classifier_embedder(settings.MODEL.resolve(model)), png=png)
    err.print(f"Wrote the report to {path}" + (f" and PNG charts to {png}" if png else ""))


@app.command("demo")
def demo_cmd(
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the demo's archive, store, report.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated campaign.")] = 2014,
    serve: Annotated[bool | None, typer.Option(
        "--serve/--no-serve", help="Serve the dashboard afterwards (default: when run in a terminal).")] = None,
    model: str | None = settings.MODEL.option(),
) -> None:
    """Replay a built-in #myNYPD-shaped campaign through the whole pipeline, write the report, serve it."""
    from backfire.demo import run_demo
    from backfire.understand import get_classifier

    folder = Path(out or settings.REPORT_DIR.resolve(None))
    err.print(f"Replaying a simulated #myNYPD-style campaign (seed {seed}) into {folder}/")
    with _progress() as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        classifier = get_classifier(settings.MODEL.resolve(model))
        result = run_demo(folder, seed=seed, on_alarm=print_alarm("myNYPD"), progress=progress,
                          classifier=classifier)
    _print_demo_summary(result, err)
    if serve if serve is not None else sys.stdout.isatty():
        from backfire.demo import demo_account

        name, password = demo_account(result.db)
        err.print(f"Log in as {name!r} with the password {password} (made for this demo's store only).",
                  highlight=False)
        _serve(str(result.db), None, None, f"/campaigns/{result.campaign}")
    else:
        err.print(f"Browse it live with: backfire serve --db {result.db}")


def _serve(db: str, host: str | None, port: int | None, path: str = "/", allowed: str | None = None) -> None:
    from backfire.accounts import has_admin
    from backfire.store import open_store
    from backfire.web.app import ServeRefused
    from backfire.web.app import serve as run_server

    h, p = settings.HOST.resolve(host), int(settings.PORT.resolve(port))
    with open_store(db) as store:
        if not store.users():
            err.print("No dashboard account yet: create one with `backfire users add NAME --role admin "
                      f"--db {store.where()}`, then log in.", highlight=False)
        elif not has_admin(store):
            err.print("No admin account: the dashboard can only listen on loopback.", highlight=False)
    err.print(f"Dashboard on http://{h}:{p}{path} (Ctrl-C to stop)")
    try:
        run_server(db, h, p, str(settings.ALLOWED_HOSTS.resolve(allowed)))
    except ServeRefused as e:
        err.print(str(e), highlight=False)
        raise typer.Exit(2) from e


@app.command("serve")
def serve_cmd(
    db: str | None = settings.DB.option(),
    host: str | None = settings.HOST.option(),
    port: int | None = settings.PORT.option(),
    allowed_hosts: str | None = settings.ALLOWED_HOSTS.option(),
) -> None:
    """Serve the live dashboard (login required): campaigns, timelines, posts, the curation queue; every
    page has a JSON twin (add .json)."""
    _serve(str(settings.DB.resolve(db)), host, port, allowed=allowed_hosts)


def _print_demo_summary(result: Any, out: Console) -> None:
    s = result.pipeline.summary()
    truth = result.truth
    out.print(f"Ingested {result.ingest.added:,} posts from {result.archive}", highlight=False)
    out.print(f"Stances: {s['stances']}; alarms: {s['alarms']}", highlight=False)
    onset = f"{truth.onset:%H:%M} UTC" if truth.onset else "none"
    out.print(f"Simulated truth: hijack onset {onset}, trigger account(s) {truth.trigger_accounts}", highlight=False)
    if result.alarms:
        first = result.alarms[0]
        out.print(f"First alarm at {first.at:%H:%M} UTC, triggers ranked: {first.triggers[:3]}", highlight=False)
    out.print(f"Report: {result.report}", highlight=False)


@app.command("settings")
def settings_cmd(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the docs table.")] = False,
) -> None:
    """Show every setting with its flag, environment variable, default and value in force."""
    if markdown:
        typer.echo(settings.as_markdown(), nl=False)
        return
    where = settings.config_path()
    err.print(f"Config file: {where or 'none'}")
    for s in sorted(settings.SETTINGS.values(), key=lambda s: s.name):
        typer.echo(f"{s.name} = {s.shown(s.resolve(None))!r}    ({s.envvar}; {s.help})")

