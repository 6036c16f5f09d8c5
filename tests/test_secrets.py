"""Secrets stay secret (issue 31): the SMTP password, the Slack token and webhook credentials never appear in
`backfire settings`, in failed-delivery messages, in errors or in logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backfire.alerting import channels_from_urls, email_channel
from backfire.cli import app
from backfire.redact import redact, redact_url
from test_cli_alerts import _hijack_csv

SMTP_PASSWORD = "Sm7pPassw0rdXYZ"
SLACK_TOKEN = "xoxbSlackT0kenAbCdEfGhIjKl"
HOOK_PASSWORD = "H00kPassw0rd"
HOOK_TOKEN = "qT0kenQueryV4lue"
SECRETS = (SMTP_PASSWORD, SLACK_TOKEN, HOOK_PASSWORD, HOOK_TOKEN)
# port 9 (discard) on loopback: nothing listens, so every delivery fails at once
ENV = {
    "BACKFIRE_SMTP_URL": f"smtp://bot:{SMTP_PASSWORD}@127.0.0.1:9?from=bf@example.org&to=a@example.org",
    "BACKFIRE_SLACK_WEBHOOK": f"http://127.0.0.1:9/services/T0001/B0002/{SLACK_TOKEN}",
    "BACKFIRE_WEBHOOK_URL": f"http://ops:{HOOK_PASSWORD}@127.0.0.1:9/alarms?token={HOOK_TOKEN}&team=ops",
}


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_settings_never_print_secrets(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    r = runner.invoke(app, ["settings"])
    assert r.exit_code == 0, r.output
    _clean(r.output)
    assert "smtp://bot:***@127.0.0.1:9" in r.output  # what is not secret stays readable
    assert "team=ops" in r.output


def test_failed_deliveries_never_print_secrets(runner: CliRunner, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    r = runner.invoke(app, ["detect", str(_hijack_csv(tmp_path / "h.csv")), "--tag", "myNYPD", "--json",
                            "--model", "baseline"])
    assert "not delivered" in r.output
    _clean(r.output)


def test_errors_about_alert_urls_never_carry_secrets() -> None:
    with pytest.raises(ValueError) as bad:
        email_channel(f"http://bot:{SMTP_PASSWORD}@mail.example.org")
    _clean(str(bad.value))
    urls = (ENV["BACKFIRE_WEBHOOK_URL"], ENV["BACKFIRE_SLACK_WEBHOOK"], ENV["BACKFIRE_SMTP_URL"])
    for channel in channels_from_urls(*urls):
        _clean(repr(channel))
        _clean(str(vars(channel).get("label", "")))


@pytest.mark.parametrize(("url", "shown"), [
    ("https://user:pw123456@hooks.example.org/x?token=abc&team=1", "https://user:***@hooks.example.org/x?token=***&team=1"),
    ("https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx",
     "https://hooks.slack.com/services/T0001/B0002/***"),
    ("https://discord.com/api/webhooks/123456789/AbCdEf0123456789GhIjKlMnOp", "https://discord.com/api/webhooks/123456789/***"),
    ("http://127.0.0.1:8080/alarms", "http://127.0.0.1:8080/alarms"),
])
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_scrubs_urls_inside_text_and_known_values() -> None:
    text = "could not deliver to https://u:pw9999@h.example.org/a?key=K (HTTP 500), secret S3cretValue"
    assert redact(text, ["S3cretValue"]) == ("could not deliver to https://u:***@h.example.org/a?key=*** (HTTP 500), "
                                             "secret ***")
