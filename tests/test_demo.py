"""`backfire demo` runs the whole pipeline end to end on the embedded store and writes the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backfire.cli import app


@pytest.mark.slow
def test_demo_raises_the_alarm_after_the_onset_and_names_the_trigger(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(app, ["demo", "--out", str(tmp_path), "--no-serve"])
    assert r.exit_code == 0, r.output
    assert "Report:" in r.output and "hijack suspected on #myNYPD" in r.output
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<svg" in html and "alarm" in html
    from backfire.simulate import generate
    from backfire.store import open_store

    truth = generate("mynypd", seed=2014).truth
    with open_store(tmp_path / "demo.db") as store:
        alarms = store.alarms(truth.campaign.name)
        assert store.count_posts(truth.campaign.name) > 2000
    assert alarms, "the demo's hijack raised no alarm"
    assert truth.onset is not None
    delay = (alarms[0].at - truth.onset).total_seconds() / 60
    assert 0 <= delay <= 60, f"first alarm {delay:.0f} min after the onset"
    assert truth.trigger_accounts[0] in alarms[0].triggers[:3]


def test_the_demo_account_is_made_afresh_with_a_random_password(tmp_path: Path) -> None:
    from backfire.accounts import authenticate
    from backfire.demo import demo_account
    from backfire.store import open_store

    db = tmp_path / "demo.db"
    name, first = demo_account(db)
    again, second = demo_account(db)
    assert name == again == "demo" and first != second and len(first) >= 12
    with open_store(db) as store:
        assert authenticate(store, "demo", second) is not None
        assert authenticate(store, "demo", first) is None
