"""The Ray engine (issue 30) gives what the in-process path gives: the same stored posts and quarantine,
the same verdicts (exactly), the same alarms, the same `classify` lines, on a small job on a local Ray."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backfire.cli import app
from backfire.model import Campaign
from backfire.scale import Engine, RayOptions, ray_session, run_analyze, run_classify, run_ingest
from backfire.scale.replay import RecordingClassifier, ReplayClassifier, ReplayMismatch
from backfire.simulate import write_simulation
from backfire.store import Label, open_store
from backfire.understand import classify_posts, get_classifier
from backfire.warn import get_detector

ray = pytest.importorskip("ray")

WORKERS = 2


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Campaign]:
    """A #myNYPD-style hijack (700 posts, its onset inside) in two files, one line of the second broken."""
    folder = tmp_path_factory.mktemp("scale")
    sim, _ = write_simulation("mynypd", 7, folder / "all.jsonl", "twitter-v2", hours=2.5)
    lines = (folder / "all.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    (folder / "a.jsonl").write_text("".join(lines[:half]), encoding="utf-8")
    (folder / "b.jsonl").write_text("".join(lines[half:half + 5]) + "{not json\n" + "".join(lines[half + 5:]),
                                    encoding="utf-8")
    return [folder / "a.jsonl", folder / "b.jsonl"], sim.campaign.model_copy(update={"name": "c"})


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local Ray for the module's jobs (each job joins it instead of starting its own)."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    with ray_session(RayOptions(workers=WORKERS)) as session:
        yield session


def _stored(db: Path) -> dict[str, Any]:
    with open_store(db) as store:
        return {
            "posts": [p.model_dump() for p in store.posts("c", include_deleted=True)],
            "count": store.count_posts("c"),
            "quarantine": [q.model_dump() for q in store.quarantined("c")],
            "verdicts": {k: v.model_dump() for k, v in store.verdicts("c").items()},
            "alarms": [a.model_dump() for a in store.alarms("c")],
        }


def _run(engine: Engine, db: Path, files: list[Path], campaign: Campaign) -> str:
    with open_store(db) as store:
        store.save_campaign(campaign)
    first = run_ingest(files, "c", db, engine=engine, workers=WORKERS)
    assert first.report.added > 600 and first.report.quarantined == 1
    assert first.report.problems[0].line == 6
    again = run_ingest(files, "c", db, engine=engine, workers=WORKERS)  # idempotent and resumed
    assert again.report.added == 0 and again.report.resumed == first.report.read
    with open_store(db) as store:  # reviewer labels: the actors adapt the model as Pipeline does
        for post in list(store.posts("c"))[:3]:
            store.add_label(Label("c", post.key, "hostile", "rev", "test", datetime(2026, 1, 1, tzinfo=UTC)))
    run = run_analyze(db, [campaign], [get_detector("default", campaign=campaign)], engine=engine,
                      workers=WORKERS)
    assert run.results[0].summary["posts"] == first.report.added
    out = io.StringIO()
    run_classify(files[1], out, campaign=campaign, engine=engine, workers=WORKERS)
    return out.getvalue()


def test_ray_engine_stores_and_decides_exactly_as_in_process(job: tuple[list[Path], Campaign], local_ray: Any,
                                                             tmp_path: Path) -> None:
    files, campaign = job
    lines_here = _run(Engine.INPROCESS, tmp_path / "here.db", files, campaign)
    lines_ray = _run(Engine.RAY, tmp_path / "ray.db", files, campaign)
    here, there = _stored(tmp_path / "here.db"), _stored(tmp_path / "ray.db")
    assert here["count"] > 600 and len(here["verdicts"]) >= here["count"]
    assert here["alarms"], "the hijack raises an alarm"
    assert any(v["model"].endswith("+adapted") for v in here["verdicts"].values())
    for part in ("posts", "quarantine", "verdicts", "alarms"):
        assert there[part] == here[part], part
    assert lines_ray == lines_here and len(lines_here.splitlines()) > 300


def test_cli_runs_ingest_classify_and_analyze_on_ray(job: tuple[list[Path], Campaign], local_ray: Any,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, _ = job
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    ray_flags = ["--engine", "ray", "--workers", str(WORKERS)]
    monkeypatch.chdir(files[0].parent)  # paths relative to here: read by the workers, quarantined as given
    done = runner.invoke(app, ["ingest", "a.jsonl", "b.jsonl", "-c", "c", "--tag", "myNYPD", "--db", db, *ray_flags])
    assert done.exit_code == 0, done.output
    assert "1 quarantined" in done.output
    with open_store(db) as store:
        assert [(q.path, q.line) for q in store.quarantined("c")] == [("b.jsonl", 6)]
    done = runner.invoke(app, ["analyze", "c", "--db", db, "--json", "--model", "baseline", *ray_flags])
    assert done.exit_code == 0, done.output
    assert "alarm(s)" in done.output
    out = tmp_path / "out.jsonl"
    done = runner.invoke(app, ["classify", str(files[0]), "-o", str(out), "--model", "baseline", *ray_flags])
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows and {"id", "stance", "p_hostile"} <= set(rows[0])


def test_replay_gives_the_in_process_verdicts_and_refuses_other_posts(job: tuple[list[Path], Campaign]) -> None:
    from backfire.sources import read_posts

    files, campaign = job
    posts = [p for p in read_posts(files[0]) if not hasattr(p, "reason")]
    clf = get_classifier("baseline")
    direct = [v for _, v in classify_posts(posts, campaign, clf, batch_size=32)]
    recorder = RecordingClassifier("baseline")
    list(classify_posts(posts, campaign, recorder, batch_size=32))
    assert len(recorder.calls) > 1 and recorder.texts < len(posts)  # reposts and repeats classified once
    results = [clf.predict_many(c.posts, c.campaign) for c in recorder.calls]
    replayed = [v for _, v in classify_posts(posts, campaign, ReplayClassifier("baseline", recorder.calls,
                                                                             results), batch_size=32)]
    assert replayed == direct
    with pytest.raises(ReplayMismatch):
        list(classify_posts(posts[1:], campaign, ReplayClassifier("baseline", recorder.calls, results),
                            batch_size=32))


def test_engine_ray_without_ray_says_how_to_install_it(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['ray'] = None\n"
            "from typer.testing import CliRunner\nfrom backfire.cli import app\n"
            f"r = CliRunner().invoke(app, ['ingest', {str(tmp_path)!r}, '--engine', 'ray', '--db', "
            f"{str(tmp_path / 'x.db')!r}])\nprint(r.exit_code, r.output)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("2 "), done.stdout + done.stderr
    assert "backfire[scale]" in done.stdout


def test_the_default_commands_never_import_ray_or_the_engine() -> None:
    code = ("import sys\nimport backfire.cli.core, backfire.cli.explain, backfire.ingest, backfire.pipeline\n"
            "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith(('ray.', 'backfire.scale'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_ray_engine_writes_a_shared_postgresql_store_as_in_process(job: tuple[list[Path], Campaign], local_ray: Any,
                                                                   tmp_path: Path, postgres_url: str) -> None:
    files, campaign = job

    def run(engine: Engine, location: str) -> dict[str, Any]:
        with open_store(location) as store:
            store.save_campaign(campaign)
        run_ingest(files, "c", location, engine=engine, workers=WORKERS)
        run_analyze(location, [campaign], [get_detector("volume-spike", campaign=campaign)], model="baseline",
                    engine=engine, workers=WORKERS)
        with open_store(location) as store:
            return {"posts": sorted(p.key for p in store.posts("c")), "quarantine": len(list(store.quarantined("c"))),
                    "verdicts": store.verdicts("c"), "alarms": store.alarms("c")}

    here = run(Engine.INPROCESS, str(tmp_path / "here.db"))
    there = run(Engine.RAY, postgres_url)  # written by the driver (posts) and by a Ray task (verdicts, alarms)
    # (the volume detector: VADER reads this stream's sarcastic praise as support, so no share detector alarms)
    assert here["alarms"] and there == here


def test_an_owner_given_by_handle_is_resolved_on_ray_as_in_process(local_ray: Any, tmp_path: Path) -> None:
    """Jetstream names authors by DID: the owner's DID is found mid-stream, and the classifier calls after
    it see the campaign with it (each recorded call keeps the campaign as it stood)."""
    from backfire.ingest import ingest

    sim, _ = write_simulation("viral-success", 2, tmp_path / "bluesky.jsonl", "jetstream", hours=1)
    found = {}
    for engine in (Engine.INPROCESS, Engine.RAY):
        db = tmp_path / f"{engine.value}.db"
        campaign = Campaign(name="c", tags=sim.campaign.tags, owners=[sim.campaign.owners[0]])
        with open_store(db) as store:
            ingest(store, [tmp_path / "bluesky.jsonl"], campaign)
        run_analyze(db, [campaign], [get_detector("default", campaign=campaign)], model="baseline",
                    engine=engine, workers=WORKERS)
        with open_store(db) as store:
            found[engine] = (campaign.owners, store.verdicts("c"), store.alarms("c"))
    assert len(found[Engine.INPROCESS][0]) == 2  # the handle, and the DID a mention named
    assert any(v.reason == "the campaign owner's own post" for v in found[Engine.INPROCESS][1].values())
    assert found[Engine.RAY] == found[Engine.INPROCESS]


def test_workers_write_a_shared_store_with_the_same_posts_and_report(job: tuple[list[Path], Campaign],
                                                                     local_ray: Any, tmp_path: Path,
                                                                     postgres_url: str) -> None:
    files, campaign = job
    with open_store(tmp_path / "here.db") as store:
        store.save_campaign(campaign)
    here = run_ingest(files, "c", tmp_path / "here.db")
    with open_store(postgres_url) as store:
        store.save_campaign(campaign)
    there = run_ingest(files, "c", postgres_url, engine=Engine.RAY, workers=WORKERS, write_on_workers=True)
    assert there.report.summary() == here.report.summary()
    assert [(q.path, q.line) for q in there.report.problems] == [(str(files[1]), 6)]
    again = run_ingest(files, "c", postgres_url, engine=Engine.RAY, workers=WORKERS, write_on_workers=True)
    assert again.report.added == 0 and again.report.resumed == here.report.read
    stored = {}
    for location in (str(tmp_path / "here.db"), postgres_url):
        with open_store(location) as store:
            stored[location] = (sorted(p.key for p in store.posts("c")),
                                sorted((q.path, q.line, q.reason) for q in store.quarantined("c")))
    assert stored[postgres_url] == stored[str(tmp_path / "here.db")]
