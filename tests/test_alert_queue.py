"""Alerts never stall the pipeline (issue 31): deliveries run beside it, a bounded wait at the end, and a run
whose alerts all failed says so in its summary and exit status."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backfire.alerting import Dispatcher
from backfire.cli import app
from backfire.model import Alarm
from backfire.warn.alerts import AlertError
from test_cli_alerts import _hijack_csv


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A webhook that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    sock.close()


def _alarm() -> Alarm:
    return Alarm(at=datetime(2014, 4, 22, 20, 5, tzinfo=UTC), severity="warning", hostile_share=0.6,
                 share_before=0.1, campaign="c", triggers=["a"])


class _Slow:
    name = "slow"

    def __init__(self, seconds: float, fail: bool = False) -> None:
        self.seconds, self.fail, self.sent = seconds, fail, 0
        self.retries = 0

    def send(self, alarm: Alarm) -> None:
        time.sleep(self.seconds)
        if self.fail:
            raise AlertError("slow: down")
        self.sent += 1


def test_submit_returns_at_once_and_close_waits_a_bounded_time() -> None:
    slow, fast = _Slow(5.0), _Slow(0.0)
    fast.name = "fast"
    dispatcher = Dispatcher([slow, fast])
    t0 = time.monotonic()
    for _ in range(3):
        dispatcher.submit(_alarm())
    assert time.monotonic() - t0 < 0.1
    summary = dispatcher.close(wait=0.5)
    assert time.monotonic() - t0 < 2.0
    assert (summary.alarms, summary.sent, summary.pending) == (3, 3, 3)  # the fast channel was not held back
    assert not summary.all_failed and "still pending" in summary.line()


def test_a_channel_without_its_own_retries_is_retried() -> None:
    class Flaky:
        name = "email"
        calls = 0

        def send(self, alarm: Alarm) -> None:
            Flaky.calls += 1
            if Flaky.calls < 3:
                raise AlertError("email: try again")

    dispatcher = Dispatcher([Flaky()], backoff=0.01)
    dispatcher.submit(_alarm())
    summary = dispatcher.close(wait=5)
    assert (summary.sent, summary.failed, Flaky.calls) == (1, 0, 3)


def test_all_failed_is_said() -> None:
    dispatcher = Dispatcher([_Slow(0.0, fail=True)])
    dispatcher.submit(_alarm())
    summary = dispatcher.close(wait=5)
    assert summary.all_failed and "NO ALERT WAS DELIVERED" in summary.line()


def test_detect_with_a_webhook_that_never_answers_does_not_stall(runner: CliRunner, tmp_path: Path,
                                                                 silent_url: str) -> None:
    data = str(_hijack_csv(tmp_path / "h.csv"))
    base = ["detect", data, "--tag", "myNYPD", "--json", "--model", "baseline"]
    t0 = time.monotonic()
    quiet = runner.invoke(app, base)
    alone = time.monotonic() - t0
    t0 = time.monotonic()
    r = runner.invoke(app, [*base, "--webhook-url", silent_url, "--alert-wait", "1"])
    stalled = time.monotonic() - t0
    assert quiet.exit_code == 0 and r.stdout == quiet.stdout  # the same alarms, on time
    assert stalled < alone + 5, (alone, stalled)
    assert r.exit_code == 3, r.output
    assert "NO ALERT WAS DELIVERED" in r.output and "pending" in r.output
    assert not [t for t in threading.enumerate() if t.name.startswith("alerts-") and not t.daemon]
