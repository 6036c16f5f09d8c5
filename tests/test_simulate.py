"""The simulator: deterministic per seed, realistic structure, varied texts, scenario shapes, writers."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from backfire.model import Post
from backfire.simulate import SCENARIOS, Simulation, generate, write_simulation
from backfire.sources import FORMATS

NAMES = ["mynypd", "viral-success", "slow-burn", "copycat", "steady-critics", "demo"]
FORMAT_NAMES = sorted(FORMATS)


@pytest.fixture(scope="module")
def sims() -> dict[str, Simulation]:
    return {name: generate(name, seed=5, hours=10) for name in NAMES}


def test_the_agreed_scenarios_exist() -> None:
    assert set(NAMES) <= set(SCENARIOS)
    with pytest.raises(ValueError, match="mynypd"):
        generate("nope", 1)


def test_deterministic_per_seed_and_different_across_seeds() -> None:
    a, b, c = generate("mynypd", 7, hours=4), generate("mynypd", 7, hours=4), generate("mynypd", 8, hours=4)
    assert [p.model_dump() for p in a.posts] == [p.model_dump() for p in b.posts]
    assert a.truth_json() == b.truth_json()
    assert [p.text for p in a.posts[:50]] != [p.text for p in c.posts[:50]]


@pytest.mark.parametrize("name", NAMES)
def test_posts_are_time_ordered_and_structurally_sound(sims: dict[str, Simulation], name: str) -> None:
    sim = sims[name]
    posts = sim.posts
    assert posts == sorted(posts, key=lambda p: p.created_at) and len({p.id for p in posts}) == len(posts)
    by_id = {p.id: p for p in posts}
    seen: set[str] = set()
    for post in posts:
        assert post.platform == "twitter" and post.author.handle and post.author.followers is not None
        for parent in (post.repost_of, post.quote_of, post.reply_to):
            assert parent is None or parent in seen  # points at an earlier post
        if post.repost_of:
            assert post.text == by_id[post.repost_of].text and by_id[post.repost_of].repost_of is None
        seen.add(post.id)
    kinds = Counter("repost" if p.repost_of else "quote" if p.quote_of else "reply" if p.reply_to else "original"
                    for p in posts)
    assert all(kinds[k] for k in ("repost", "quote", "reply", "original"))
    assert any(p.media and p.media[0].alt for p in posts)
    owner = sim.campaign.owners[0]
    assert posts[0].author.handle == owner and any(owner in p.mentions for p in posts[1:])
    assert sum(p.has_tag(sim.campaign.tags[0]) for p in posts) > 0.8 * len(posts)


def test_followers_and_cascades_are_heavy_tailed(sims: dict[str, Simulation]) -> None:
    posts = sims["mynypd"].posts
    followers = sorted(p.author.followers or 0 for p in posts)
    median = followers[len(followers) // 2]
    assert followers[-1] > 100 * median
    sizes = sorted(Counter(p.repost_of for p in posts if p.repost_of).values())
    assert sizes[-1] > 20 * sizes[len(sizes) // 2]


@pytest.mark.parametrize("name", NAMES)
def test_texts_are_varied(sims: dict[str, Simulation], name: str) -> None:
    originals = [p.text for p in sims[name].posts if not p.repost_of]
    assert len(set(originals)) / len(originals) > 0.85
    other = {p.text for p in generate(name, seed=6, hours=10).posts}
    assert len(set(originals) & other) / len(set(originals)) < 0.2


def _hostile_share(sim: Simulation, start_minute: float, end_minute: float) -> tuple[float, int]:
    t0 = sim.campaign.launched_at
    assert t0 is not None
    window = [p for p in sim.posts
              if timedelta(minutes=start_minute) <= p.created_at - t0 < timedelta(minutes=end_minute)]
    return sum(sim.labels[p.id].stance == "hostile" for p in window) / max(1, len(window)), len(window)


def test_mynypd_turns_after_its_trigger(sims: dict[str, Simulation]) -> None:
    sim = sims["mynypd"]
    truth = sim.truth
    assert truth.hijacked and truth.onset is not None and truth.trigger_accounts
    trigger_post = next(p for p in sim.posts if p.author.handle == truth.trigger_accounts[0])
    assert trigger_post.created_at == truth.onset and sim.labels[trigger_post.id].stance == "hostile"
    assert trigger_post.media and (trigger_post.author.followers or 0) > 10_000
    onset = (truth.onset - sim.campaign.launched_at).total_seconds() / 60  # type: ignore[operator]
    before, _ = _hostile_share(sim, 0, onset)
    after, _ = _hostile_share(sim, onset + 60, onset + 240)
    assert before < 0.2 and after > 0.6


def test_viral_success_grows_tenfold_and_stays_friendly(sims: dict[str, Simulation]) -> None:
    sim = sims["viral-success"]
    assert not sim.truth.hijacked and sim.truth.onset is None
    volumes = [_hostile_share(sim, h * 60, (h + 1) * 60) for h in range(8)]
    assert max(v[1] for v in volumes) > 10 * volumes[0][1]
    assert all(share < 0.2 for share, n in volumes if n > 50)


def test_steady_critics_stay_a_minority(sims: dict[str, Simulation]) -> None:
    share, _ = _hostile_share(sims["steady-critics"], 0, 600)
    assert 0.05 < share < 0.3


def test_slow_burn_rises_gradually(sims: dict[str, Simulation]) -> None:
    sim = sims["slow-burn"]
    onset = (sim.truth.onset - sim.campaign.launched_at).total_seconds() / 60  # type: ignore[operator]
    before, _ = _hostile_share(sim, 0, onset)
    later, _ = _hostile_share(sim, onset + 150, onset + 300)
    assert before < 0.2 < 0.45 < later


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_write_simulation_writes_an_archive_and_its_truth(tmp_path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from backfire.sources import read_posts

    path = tmp_path / f"stream.{fmt}"
    sim, truth_path = write_simulation("mynypd", 3, path, fmt, hours=3)
    truth = json.loads(truth_path.read_text())
    assert truth["hijacked"] is True and len(truth["trigger_accounts"]) == len(sim.truth.trigger_accounts) == 1
    assert truth_path.name == f"stream.{fmt}.truth.json"
    read = [p for p in read_posts(path, fmt) if isinstance(p, Post)]
    assert len(read) == len(sim.posts)
    # What refers to what survives the file: every repost, reply and quote still finds its post, and the
    # truth names the trigger and the owner as the file names their accounts.
    ids = {p.id for p in read}
    for ref in ("repost_of", "reply_to", "quote_of"):
        wrote = sum(getattr(p, ref) is not None for p in sim.posts)
        assert sum(getattr(p, ref) in ids for p in read) == wrote > 0, ref
    authors = {p.author.handle for p in read}
    assert set(truth["trigger_accounts"]) | set(truth["campaign"]["owners"]) <= authors


def test_cli_simulate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from backfire.cli import app

    out = tmp_path / "s.csv"
    result = CliRunner().invoke(app, ["simulate", "--scenario", "steady-critics", "--seed", "2", "-o", str(out),
                                      "--format", "csv", "--hours", "2"])
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "s.csv.truth.json").exists()
    bad = CliRunner().invoke(app, ["simulate", "--scenario", "nope", "-o", str(out)])
    assert bad.exit_code == 2


def test_the_perfect_reader_returns_each_posts_true_stance(sims: dict[str, Simulation]) -> None:
    from backfire.simulate.oracle import PerfectReader

    sim = sims["mynypd"]
    verdicts = PerfectReader(sim.labels).predict_many(sim.posts)
    for post, verdict in zip(sim.posts, verdicts, strict=True):
        stance = sim.labels[post.id].stance
        assert verdict.stance == stance
        assert (verdict.p_hostile > 0.9) == (stance == "hostile")
        assert (verdict.p_support > 0.9) == (stance == "support")
    answers = [v for p, v in zip(sim.posts, verdicts, strict=True) if sim.labels[p.id].kind == "reply_agree"]
    assert answers and all(v.stance == "hostile" for v in answers)  # read in context, as no classifier can


def test_a_replay_written_as_bluesky_or_mastodon_posts_is_dated_when_those_platforms_existed(tmp_path: Path) -> None:
    from backfire.sources import read_posts

    for fmt in ("jetstream", "mastodon"):
        path = tmp_path / f"s.{fmt}.jsonl"
        sim, _ = write_simulation("mynypd", 3, path, fmt, hours=1.0)  # #myNYPD starts in April 2014
        read = list(read_posts(path, fmt))
        assert all(isinstance(r, Post) for r in read), [r for r in read if not isinstance(r, Post)][:2]
        assert len(read) == len(sim.posts) and sim.posts[0].created_at.year >= 2023
