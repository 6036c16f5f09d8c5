"""Alert channels against real loopback servers started here: HTTP for webhooks and Slack, SMTP for e-mail."""

from __future__ import annotations

import io
import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_string
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from backfire.model import Alarm
from backfire.warn.alerts import (
    AlertError,
    ConsoleChannel,
    EmailChannel,
    SlackChannel,
    WebhookChannel,
    send_alarm,
)

ALARM = Alarm(at=datetime(2014, 4, 22, 20, 5, tzinfo=UTC), severity="critical", hostile_share=0.71,
              share_before=0.09, campaign="myNYPD", triggers=["activist", "copycat"], statistic=3.2,
              examples=["Such gentle crowd control #myNYPD"], example_ids=["42"], post_id="42",
              detector="default", message="Hijack suspected on #myNYPD (critical).")


class _Http:
    """A loopback HTTP server that records JSON bodies and answers with scripted status codes."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.bodies: list[Any] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                outer.bodies.append(json.loads(self.rfile.read(length)))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server(request: pytest.FixtureRequest) -> Iterator[_Http]:
    server = _Http(list(getattr(request, "param", [])))
    yield server
    server.close()


@pytest.mark.parametrize("http_server", [[]], indirect=True)
def test_webhook_posts_the_alarm_json(http_server: _Http) -> None:
    WebhookChannel(http_server.url).send(ALARM)
    body = http_server.bodies[0]
    assert body["severity"] == "critical" and body["triggers"][0] == "activist"
    assert body["at"] == "2014-04-22T20:05:00Z"


@pytest.mark.parametrize("http_server", [[500, 503]], indirect=True)
def test_webhook_retries_with_backoff_until_success(http_server: _Http) -> None:
    WebhookChannel(http_server.url, retries=3, backoff=0.01).send(ALARM)
    assert len(http_server.bodies) == 3  # failed twice, then succeeded


@pytest.mark.parametrize("http_server", [[500, 500, 500]], indirect=True)
def test_webhook_gives_up_after_its_retries(http_server: _Http) -> None:
    with pytest.raises(AlertError, match="HTTP 500"):
        WebhookChannel(http_server.url, retries=2, backoff=0.01).send(ALARM)
    assert len(http_server.bodies) == 3


@pytest.mark.parametrize("http_server", [[404]], indirect=True)
def test_webhook_does_not_retry_a_client_error(http_server: _Http) -> None:
    with pytest.raises(AlertError):
        WebhookChannel(http_server.url, retries=3, backoff=0.01).send(ALARM)
    assert len(http_server.bodies) == 1


@pytest.mark.parametrize("http_server", [[500, 502]], indirect=True)
def test_slack_payload_has_text_and_blocks(http_server: _Http) -> None:
    SlackChannel(http_server.url, backoff=0.01).send(ALARM)
    body = http_server.bodies[-1]
    assert "71%" in body["text"] and "@activist" in body["text"]
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds[0] == "header" and "section" in kinds
    assert any("Such gentle" in json.dumps(b) for b in body["blocks"])


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept one message: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        server: Any = self.server
        self.reply("220 localhost test SMTP")
        while line := self.rfile.readline().decode():
            verb = line.strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-localhost")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                server.auth.append(line.strip())
                self.reply("235 ok")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                server.envelope.append(line.strip())
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = []
                while (chunk := self.rfile.readline().decode()) not in (".\r\n", ""):
                    data.append(chunk)
                server.messages.append("".join(data))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    server: Any = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.messages, server.envelope, server.auth = [], [], []
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_email_is_delivered_over_smtp(smtp_server: Any) -> None:
    port = smtp_server.server_address[1]
    channel = EmailChannel("127.0.0.1", port, "backfire@example.org", ["comms@example.org"],
                           username="bot", password="secret")
    channel.send(ALARM)
    msg = message_from_string(smtp_server.messages[0])
    assert "CRITICAL" in msg["Subject"] and msg["To"] == "comms@example.org"
    assert "Such gentle crowd control" in msg.get_payload()
    assert any("comms@example.org" in e for e in smtp_server.envelope)
    assert smtp_server.auth  # logged in


def test_email_failure_is_an_alert_error() -> None:
    with pytest.raises(AlertError, match="SMTP settings"):
        EmailChannel("127.0.0.1", 1, "a@example.org", ["b@example.org"], timeout=1).send(ALARM)


def test_console_prints_message_and_examples() -> None:
    out = io.StringIO()
    ConsoleChannel(out, color=False).send(ALARM)
    text = out.getvalue()
    assert "[CRITICAL] myNYPD" in text and "Such gentle crowd control" in text and "(42)" in text


@pytest.mark.parametrize("http_server", [[]], indirect=True)
def test_send_alarm_reports_each_channel(http_server: _Http) -> None:
    broken = WebhookChannel("http://127.0.0.1:1/none", retries=0)
    results = send_alarm(ALARM, [ConsoleChannel(io.StringIO()), WebhookChannel(http_server.url), broken])
    assert [r.ok for r in results] == [True, True, False]
    assert "check the URL" in results[2].error
