"""What several command modules share: the stderr console and the hooks that report alarms."""

from __future__ import annotations

from typing import Any

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
    """Print each alarm, and send it to the channels the settings name (failures are reported)."""
    from backfire.alerting import alert_hook, channels_from_urls

    channels = channels_from_urls(settings.WEBHOOK_URL.resolve(webhook), settings.SLACK_WEBHOOK.resolve(slack),
                                  settings.SMTP_URL.resolve(smtp))
    hooks = [print_alarm(tag)]
    if channels:
        hooks.append(alert_hook(channels, lambda d: err.print(f"[red]Alert not delivered[/red] ({d.channel}): "
                                                              f"{escape(redact(d.error))}", highlight=False)))
    return hooks


def make_detector(campaign: Campaign, name: str | None = None, false_alarms: float | None = None,
                  design_effect: float | None = None) -> Detector:
    """The detector the settings name for `campaign`, tuned by the settings (flags when given)."""
    from backfire.warn import configured_detector

    return configured_detector(settings.DETECTOR.resolve(name), campaign,
                               false_alarms_per_day=float(settings.FALSE_ALARMS.resolve(false_alarms)),
                               design_effect=float(settings.DESIGN_EFFECT.resolve(design_effect)))
