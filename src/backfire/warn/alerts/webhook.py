"""Webhooks: a JSON POST of the alarm (retried with exponential backoff), and Slack incoming webhooks."""

from __future__ import annotations

import time
from typing import Any

import httpx

from backfire.model import Alarm
from backfire.redact import redact, redact_url, secrets_of
from backfire.warn.alerts.base import AlertError, render_text


class WebhookChannel:
    """POST the alarm's JSON to `url`; retry `retries` times on errors, waiting backoff * 2**attempt."""

    name = "webhook"

    def __init__(self, url: str, retries: int = 3, backoff: float = 0.5, timeout: float = 10.0,
                 headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.label = redact_url(url)  # how messages name the endpoint: its credentials never printed
        self._secrets = secrets_of(url)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.headers = headers or {}

    def payload(self, alarm: Alarm) -> dict[str, Any]:
        return alarm.contract_fields()

    def send(self, alarm: Alarm) -> None:
        body = self.payload(alarm)
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = httpx.post(self.url, json=body, timeout=self.timeout, headers=self.headers)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code < 400:
                return
            last = f"HTTP {response.status_code}"
            if 400 <= response.status_code < 500 and response.status_code != 429:
                break  # the request itself is wrong: retrying will not help
        raise AlertError(redact(f"{self.name}: could not deliver to {self.label} ({last}); check the URL and retry",
                                self._secrets))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r})"


class SlackChannel(WebhookChannel):
    """A Slack incoming webhook: a `text` fallback plus Block Kit sections with the evidence."""

    name = "slack"

    def __init__(self, webhook_url: str, **options: Any) -> None:
        super().__init__(webhook_url, **options)
        self.webhook_url = webhook_url

    def payload(self, alarm: Alarm) -> dict[str, Any]:
        text = render_text(alarm)
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": f"Hijack {alarm.severity}: {alarm.campaign}"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": alarm.message or text}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": f"*Hostile share*\n{alarm.share_before:.0%} -> {alarm.hostile_share:.0%}"},
                {"type": "mrkdwn", "text": "*First accounts*\n" + (", ".join(f"@{t}" for t in alarm.triggers[:5])
                                                                    or "unknown")},
            ]},
        ]
        if alarm.examples:
            quoted = "\n".join(f"> {e}" for e in alarm.examples[:3])
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Examples*\n{quoted}"}})
        return {"text": text, "blocks": blocks}
