"""What several command modules share: the stderr console and the hooks that report alarms."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from backfire import settings
from backfire.model import Alarm, Campaign, Post
from backfire.redact import redact
from backfire.warn.base import Detector

# soft_wrap: a message is one line however long, so logs and pipes never see it split at 80 columns
err = Console(stderr=True, soft_wrap=True)


def print_alarm(tag: str) -> Any:
    """A pipeline hook printing each alarm on stderr in backfire's voice."""
    from backfire.demo import describe_alarm

    def hook(alarm: Alarm, post: Post) -> None:
        err.print(f"[bold red]{describe_alarm(alarm, tag)}[/bold red]", highlight=False)

    return hook


def alarm_hooks(tag: str, webhook: str | None, slack: str | None, smtp: str | None) -> list[Any]:
    """Print each alarm, and queue it for the channels the settings name: deliveries run in worker threads
    (`alerting.Dispatcher`), failures are reported as they happen; `finish_alerts` ends the command's."""
    from backfire.alerting import Dispatcher, channels_from_urls

    channels = channels_from_urls(settings.WEBHOOK_URL.resolve(webhook), settings.SLACK_WEBHOOK.resolve(slack),
                                  settings.SMTP_URL.resolve(smtp))
    hooks = [print_alarm(tag)]
    if channels:
        dispatcher = Dispatcher(channels, lambda d: err.print(f"[red]Alert not delivered[/red] ({d.channel}): "
                                                              f"{escape(redact(d.error))}", highlight=False))
        _DISPATCHERS.append(dispatcher)
        hooks.append(dispatcher.hook)
    return hooks


_DISPATCHERS: list[Any] = []
ALERTS_FAILED = 3  # the exit status of a run that raised alarms none of which reached any channel


def finish_alerts(wait: float | None = None) -> None:
    """Give the alarms still being delivered at most `alert_wait` seconds, print what became of them, and
    exit with status 3 when alarms were raised and not one delivery succeeded."""
    failed = False
    while _DISPATCHERS:
        summary = _DISPATCHERS.pop().close(float(settings.ALERT_WAIT.resolve(wait)))
        if summary.alarms:
            err.print(("[red]" if summary.all_failed else "") + escape(summary.line())
                      + ("[/red]" if summary.all_failed else ""), highlight=False)
        failed = failed or summary.all_failed
    if failed:
        raise typer.Exit(ALERTS_FAILED)


def make_detector(campaign: Campaign, name: str | None = None, false_alarms: float | None = None,
                  design_effect: float | None = None) -> Detector:
    """The detector the settings name for `campaign`, tuned by the settings (flags when given)."""
    from backfire.warn import configured_detector

    return configured_detector(settings.DETECTOR.resolve(name), campaign,
                               false_alarms_per_day=float(settings.FALSE_ALARMS.resolve(false_alarms)),
                               design_effect=float(settings.DESIGN_EFFECT.resolve(design_effect)))
