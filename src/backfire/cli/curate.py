"""`backfire curate ...` (the queue of posts safe to feature) and `backfire users ...` (dashboard accounts)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backfire import settings
from backfire.cli.app import app
from backfire.cli.common import err

if TYPE_CHECKING:
    from backfire.model import Campaign as CampaignModel
    from backfire.store import Store

curate_app = typer.Typer(help="The curation queue: posts safe to feature, reviewers' decisions, the audit log.",
                         no_args_is_help=True)
users_app = typer.Typer(help="Dashboard accounts: viewer, reviewer, admin.", no_args_is_help=True)
app.add_typer(curate_app, name="curate")
app.add_typer(users_app, name="users")

Campaign = Annotated[str, typer.Argument(help="The campaign's name.")]
Key = Annotated[str, typer.Argument(help="The post's key, platform:id.")]
Reviewer = Annotated[str | None, typer.Option("--reviewer", help="Who decides (default: your login name).")]
Reason = Annotated[str, typer.Option("--reason", help="Why, in a few words (kept in the audit log).")]


def _store(db: str | None) -> Store:
    from backfire.store import open_store

    return open_store(settings.DB.resolve(db))


def _campaign(store: Store, name: str) -> CampaignModel:
    camp = store.campaign(name)
    if camp is None:
        err.print(f"No campaign {name!r} in the store; ingest it first with `backfire ingest --campaign`.")
        raise typer.Exit(2)
    return camp


@curate_app.command("refresh")
def refresh_cmd(campaign: Campaign, db: str | None = settings.DB.option(),
                max_hostile: float | None = settings.CURATE_MAX_HOSTILE.option(),
                hold_hours: float | None = settings.CURATE_HOLD_HOURS.option()) -> None:
    """Queue the campaign's new candidates and withdraw posts that no longer qualify."""
    from backfire.cli.explain import _embedder
    from backfire.curate import Rules, refresh
    from backfire.report.stored import remember

    with _store(db) as store:
        camp = _campaign(store, campaign)
        rules = Rules(max_hostile=float(settings.CURATE_MAX_HOSTILE.resolve(max_hostile)))
        result = refresh(store, camp, rules, hold_hours=float(settings.CURATE_HOLD_HOURS.resolve(hold_hours)))
        err.print("Explaining the campaign for the dashboard...", highlight=False)
        remember(store, camp, embed=_embedder(None))
        counts = store.curation_counts(campaign)
    if result.alarm is not None:
        err.print(f"[bold red]The tag turned at {result.alarm.at:%Y-%m-%d %H:%M} UTC: new candidates are held."
                  "[/bold red]", highlight=False)
    err.print(f"Queued {result.queued:,} of {result.candidates:,} candidates, withdrew {result.withdrawn:,}; "
              f"queue now {counts}. Drivers left out: {', '.join(result.drivers[:10]) or 'none'}.", highlight=False)


@curate_app.command("list")
def list_cmd(campaign: Campaign, db: str | None = settings.DB.option(),
             state: Annotated[str | None, typer.Option("--state", help="Only this state.")] = None,
             limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 50,
             as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Show the queue, safest first, with each post's text and media."""
    from backfire.curate.export import cards

    with _store(db) as store:
        _campaign(store, campaign)
        rows = cards(store, campaign, store.curation_items(campaign, [state] if state else None, limit))
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            media = f" [{len(row['media'])} media]" if row["media"] else ""
            typer.echo(f"{row['state']:9} {row['key']}  @{row['author']}: {row['text'][:100]!r}{media}")


def _decide(action: str, campaign: str, key: str, reviewer: str | None, reason: str, db: str | None) -> None:
    from backfire.curate import CurationError, decide

    with _store(db) as store:
        try:
            item = decide(store, campaign, key, action, reviewer or getpass.getuser(), reason,
                          hold_hours=float(settings.CURATE_HOLD_HOURS.resolve(None)))
        except CurationError as e:
            err.print(str(e), highlight=False)
            raise typer.Exit(1) from e
    err.print(f"{key} is now {item.state}.", highlight=False)


@curate_app.command("approve")
def approve_cmd(campaign: Campaign, key: Key, reviewer: Reviewer = None, reason: Reason = "",
                db: str | None = settings.DB.option()) -> None:
    """Approve a queued post for featuring."""
    _decide("approve", campaign, key, reviewer, reason, db)


@curate_app.command("hold")
def hold_cmd(campaign: Campaign, key: Key, reviewer: Reviewer = None, reason: Reason = "",
             db: str | None = settings.DB.option()) -> None:
    """Hold a queued post back (not featured, not rejected)."""
    _decide("hold", campaign, key, reviewer, reason, db)


@curate_app.command("reject")
def reject_cmd(campaign: Campaign, key: Key, reason: Reason, reviewer: Reviewer = None,
               db: str | None = settings.DB.option()) -> None:
    """Reject a queued post, with a reason."""
    _decide("reject", campaign, key, reviewer, reason, db)


@curate_app.command("correct")
def correct_cmd(campaign: Campaign, key: Key,
                stance: Annotated[str, typer.Option("--stance", help="hostile, neutral or support.")],
                reviewer: Reviewer = None, reason: Reason = "", db: str | None = settings.DB.option()) -> None:
    """Correct a post's stance: stored as a label the classifier adapts to; a queued post read as
    hostile or neutral is rejected."""
    from backfire.curate import CurationError, correct

    with _store(db) as store:
        _campaign(store, campaign)
        try:
            correct(store, campaign, key, stance, reviewer or getpass.getuser(), reason)
        except CurationError as e:
            err.print(str(e), highlight=False)
            raise typer.Exit(1) from e
    err.print(f"Labelled {key} as {stance}; `backfire analyze {campaign}` reclassifies with it.", highlight=False)


@curate_app.command("log")
def log_cmd(campaign: Campaign, db: str | None = settings.DB.option(),
            limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 50) -> None:
    """Show the audit log: who did what to which post, when, and why."""
    with _store(db) as store:
        for e in store.curation_log(campaign, limit=limit):
            typer.echo(f"{e.at:%Y-%m-%d %H:%M:%S}Z  {e.actor:12} {e.action:18} {e.key}  {e.reason}")


@curate_app.command("export")
def export_cmd(campaign: Campaign, db: str | None = settings.DB.option(),
               out: Annotated[Path | None, typer.Option("-o", "--out", help="File to write (default stdout).")] = None,
               fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl") -> None:
    """Export the approved posts (deleted ones left out) with their media URLs and alt texts."""
    from backfire.curate import export_approved

    with _store(db) as store:
        _campaign(store, campaign)
        if out is None:
            n = export_approved(store, campaign, sys.stdout, fmt)
        else:
            with out.open("w", encoding="utf-8", newline="") as fh:
                n = export_approved(store, campaign, fh, fmt)
    err.print(f"Exported {n:,} approved posts{f' to {out}' if out else ''}.", highlight=False)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")]


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="The user name.")],
              role: Annotated[str, typer.Option("--role", help="viewer, reviewer or admin.")] = "viewer",
              password_stdin: PasswordStdin = False, db: str | None = settings.DB.option()) -> None:
    """Add a dashboard account (the password is asked for, or read from stdin)."""
    from backfire.accounts import AccountError, add_user

    with _store(db) as store:
        try:
            add_user(store, name, _password(password_stdin), role)
        except AccountError as e:
            err.print(str(e), highlight=False)
            raise typer.Exit(1) from e
    err.print(f"Added {name} ({role}).", highlight=False)


@users_app.command("passwd")
def users_passwd(name: Annotated[str, typer.Argument(help="The user name.")],
                 role: Annotated[str | None, typer.Option("--role", help="Change the role too.")] = None,
                 password_stdin: PasswordStdin = False, db: str | None = settings.DB.option()) -> None:
    """Change an account's password (and role); its sessions end."""
    from backfire.accounts import AccountError, set_password

    with _store(db) as store:
        try:
            user = set_password(store, name, _password(password_stdin), role)
        except AccountError as e:
            err.print(str(e), highlight=False)
            raise typer.Exit(1) from e
    err.print(f"Changed the password of {name} ({user.role}); their sessions ended.", highlight=False)


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="The user name.")],
                 db: str | None = settings.DB.option()) -> None:
    """Remove an account and end its sessions."""
    from backfire.accounts import AccountError, remove_user

    with _store(db) as store:
        try:
            remove_user(store, name)
        except AccountError as e:
            err.print(str(e), highlight=False)
            raise typer.Exit(1) from e
    err.print(f"Removed {name}.", highlight=False)


@users_app.command("list")
def users_list(db: str | None = settings.DB.option()) -> None:
    """List the accounts and their roles."""
    with _store(db) as store:
        for u in store.users():
            typer.echo(f"{u.name}\t{u.role}\t{u.created_at:%Y-%m-%d}")
