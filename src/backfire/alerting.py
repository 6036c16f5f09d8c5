"""Alert channels from settings: turns `--webhook-url`, `--slack-webhook` and `--smtp-url` into channels
and a pipeline hook that sends every alarm to them, reporting failed deliveries instead of stopping.

>>> [c.name for c in channels_from_urls(webhook_url="http://127.0.0.1:9/hook")]
['webhook']
>>> ch = channels_from_urls(smtp_url="smtp://bot:pw@127.0.0.1:2525?from=bf@example.org&to=a@example.org,b@example.org")[0]
>>> (ch.host, ch.port, ch.username, ch.recipients)
('127.0.0.1', 2525, 'bot', ['a@example.org', 'b@example.org'])
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from backfire.model import Alarm, Post
from backfire.redact import redact_url
from backfire.warn.alerts import Channel, Delivery, EmailChannel, SlackChannel, WebhookChannel, send_alarm
from backfire.warn.alerts.dispatch import AlertSummary, Dispatcher

__all__ = ["AlertSummary", "Dispatcher", "alert_hook", "channels_from_urls", "email_channel"]


def email_channel(url: str) -> EmailChannel:
    """`smtp://user:pass@host:port?from=a@x&to=b@y,c@z` (`smtp+starttls://` to upgrade the connection)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+starttls") or not parts.hostname:
        raise ValueError(f"not an SMTP URL: {redact_url(url)!r}; expected smtp://user:pass@host:port?from=...&to=...")
    query = parse_qs(parts.query)
    recipients = [r for value in query.get("to", []) for r in value.split(",") if r]
    if not recipients:
        raise ValueError("the SMTP URL names no recipient: add ?to=someone@example.org")
    return EmailChannel(
        host=parts.hostname, port=parts.port or 25,
        sender=query.get("from", ["backfire@localhost"])[0], recipients=recipients,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=parts.scheme == "smtp+starttls",
    )


def channels_from_urls(webhook_url: str = "", slack_webhook: str = "", smtp_url: str = "") -> list[Channel]:
    """The channels the given settings ask for (none when all are empty)."""
    channels: list[Channel] = []
    if webhook_url:
        channels.append(WebhookChannel(webhook_url))
    if slack_webhook:
        channels.append(SlackChannel(slack_webhook))
    if smtp_url:
        channels.append(email_channel(smtp_url))
    return channels


def alert_hook(channels: list[Channel], on_failure: Callable[[Delivery], None] | None = None
               ) -> Callable[[Alarm, Post], None]:
    """A pipeline hook sending each alarm to `channels` in the caller's thread; failures go to `on_failure`.
    Commands use `Dispatcher` instead, which never makes the pipeline wait for a channel."""

    def hook(alarm: Alarm, post: Post) -> None:
        for delivery in send_alarm(alarm, channels):
            if not delivery.ok and on_failure is not None:
                on_failure(delivery)

    return hook
