"""The static HTML report: self-contained, a timeline chart, alarms, and every user text escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from backfire.model import Alarm, Campaign, Verdict
from backfire.report.data import overview
from backfire.report.html import write_report
from backfire.store import Store
from conftest import make_post


def _fill(store: Store) -> Campaign:
    camp = Campaign(name="c", tags=["myNYPD"], owners=["NYPDnews"], intent="<b>photos</b> with officers")
    store.save_campaign(camp)
    posts = [make_post(i, text="<script>alert(1)</script> #myNYPD", author="x<y>") for i in range(30)]
    store.add_posts(posts, "c")
    store.save_verdicts("c", [
        (p.key, Verdict(post_id=p.id, stance="hostile" if i > 15 else "support", p_hostile=0.9 if i > 15 else 0.1))
        for i, p in enumerate(posts)
    ])
    store.save_alarm("c", Alarm(at=datetime(2014, 4, 22, 18, 20, tzinfo=UTC), severity="warning",
                                hostile_share=0.8, share_before=0.1, triggers=["x<y>"], examples=["<img src=x>"]))
    return camp


def test_overview_counts_and_bins(fresh_store: Store) -> None:
    data = overview(fresh_store, _fill(fresh_store), bin_minutes=10)
    assert data["posts"] == 30
    assert data["stances"] == {"support": 16, "neutral": 0, "hostile": 14}
    assert [b["total"] for b in data["timeline"]] == [10, 10, 10]
    assert data["timeline"][0]["hostile_share"] == 0.0
    assert data["timeline"][2]["hostile_share"] == 1.0


def test_report_is_self_contained_and_escapes_user_text(fresh_store: Store, tmp_path: Path) -> None:
    path = write_report(fresh_store, _fill(fresh_store), tmp_path / "r")
    html = path.read_text(encoding="utf-8")
    assert "<svg" in html and "hostile share" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html and "<b>photos</b>" not in html
    assert "src=\"http" not in html  # nothing fetched from elsewhere
    assert (tmp_path / "r" / "report.json").exists()


def test_one_post_a_year_off_keeps_the_report_timeline_bounded(tmp_path: Path) -> None:
    """Issue 31: a stray date made the timeline 500,000 bins (`report --json` 71.5 MB)."""
    from backfire.report.data import overview
    from backfire.store import open_store
    from conftest import make_post

    store = open_store(tmp_path / "s.db")
    store.save_campaign(Campaign(name="c", tags=["myNYPD"]))
    store.add_posts([make_post(i) for i in range(1500)] + [make_post(99_999, minutes=-365 * 24 * 60)], "c")
    data = overview(store, Campaign(name="c", tags=["myNYPD"]), explain=False)
    assert 1 < len(data["timeline"]) <= 240
    assert data["outliers"]["before"] == 1 and data["posts"] == 1501


def test_report_png_writes_slide_charts_with_content(tmp_path: Path) -> None:
    import numpy as np
    from matplotlib.image import imread
    from typer.testing import CliRunner

    from backfire.cli import app
    from backfire.simulate import generate
    from backfire.simulate.oracle import PerfectReader
    from backfire.store import open_store

    sim = generate("mynypd", seed=3, hours=3)
    db = tmp_path / "s.db"
    with open_store(db) as store:
        store.save_campaign(sim.campaign)
        store.add_posts(sim.posts, sim.campaign.name)
        verdicts = PerfectReader(sim.labels).predict_many(sim.posts)
        store.save_verdicts(sim.campaign.name, [(p.key, v) for p, v in zip(sim.posts, verdicts, strict=True)])
    out = tmp_path / "slides"
    result = CliRunner().invoke(app, ["report", sim.campaign.name, "--db", str(db), "--out", str(tmp_path / "r"),
                                      "--png", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cascade.png", "narratives-hostile.png", "narratives-support.png", "timeline.png"]
    for name in names:
        raw = (out / name).read_bytes()
        assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 20_000
        pixels = imread(out / name)[..., :3]
        assert pixels.shape[1] >= 2000
        non_white = float((pixels.min(axis=2) < 0.9).mean())
        assert 0.01 < non_white < 0.9, (name, non_white)  # drawn on, not blank, not a solid block
        assert len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 20  # several colours
    assert (tmp_path / "r" / "index.html").exists()
