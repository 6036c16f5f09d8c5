"""`backfire detect` sends its alarms to the channels the settings name (a webhook on loopback here)."""

from __future__ import annotations

import csv
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

from typer.testing import CliRunner

from backfire.cli import app


def _hijack_csv(path: Path) -> Path:
    """A friendly hour, then plainly hostile posts (so even the baseline classifier sees them)."""
    t = datetime(2014, 4, 22, 18, 0, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "created_at", "author", "text"])
        for i in range(300):
            t += timedelta(seconds=20)
            if i < 150:
                w.writerow([f"s{i}", t.isoformat(), f"fan{i % 40}", "Love our wonderful officers, great photo #myNYPD"])
            else:
                who = "trigger" if i == 150 else f"critic{i % 60}"
                w.writerow([f"h{i}", t.isoformat(), who, "Disgusting brutal violent police abuse, cruel #myNYPD"])
    return path


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_detect_posts_alarms_to_a_webhook(runner: CliRunner, tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/alarms"
        r = runner.invoke(app, ["detect", str(_hijack_csv(tmp_path / "h.csv")), "--tag", "myNYPD", "--json",
                                "--model", "baseline", "--webhook-url", url])
    finally:
        server.shutdown()
    assert r.exit_code == 0, r.output
    alarms = json.loads(r.stdout)["alarms"]
    assert alarms and alarms[0]["triggers"][0] == "trigger"
    assert len(_Hook.received) == len(alarms)
    assert _Hook.received[0]["severity"] == alarms[0]["severity"]


def test_detect_takes_the_detectors_tunings_from_flags_and_environment(runner: CliRunner, tmp_path: Path) -> None:
    data = str(_hijack_csv(tmp_path / "h.csv"))
    base = ["detect", data, "--tag", "myNYPD", "--json", "--model", "baseline"]

    def alarms(*extra: str, env: dict[str, str] | None = None) -> list[Any]:
        r = runner.invoke(app, [*base, *extra], env=env)
        assert r.exit_code == 0, r.output
        return list(json.loads(r.stdout)["alarms"])

    default = alarms()
    assert default  # the hijack alarms with the defaults...
    assert alarms("--design-effect", "1000") == []  # ...but not once each post counts for almost nothing
    assert alarms(env={"BACKFIRE_DESIGN_EFFECT": "1000"}) == []
    strict = alarms("--false-alarms", "1e-30")  # a far rarer false alarm asks for more evidence: a later alarm
    assert strict and strict[0]["at"] > default[0]["at"]


def test_configured_detector_tunes_only_the_default_detector() -> None:
    from backfire.warn import configured_detector
    from backfire.warn.detector import HijackDetector

    det = configured_detector("default", None, false_alarms_per_day=0.5, design_effect=2.0)
    assert isinstance(det, HijackDetector) and det.false_alarms_per_day == 0.5 and det.design_effect == 2.0
    other = configured_detector("volume-spike", None, false_alarms_per_day=0.5, design_effect=2.0)
    assert other.name == "volume-spike"
