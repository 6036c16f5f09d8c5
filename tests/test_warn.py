"""The hijack detector: early on simulated hijacks, silent on viral success and steady critics, escalation
and cool-down, reach weighting, owner exclusion, and the meaning of its false-alarm rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backfire.model import Author, Campaign, Post, Verdict
from backfire.simulate import generate
from backfire.simulate.oracle import NoisyClassifier
from backfire.warn import HijackDetector, detect, get_detector
from backfire.warn.reach import ReachWeights, reach, seed_reach

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
CAMPAIGN = Campaign.for_tag("LoveRiverton", owner="CityOfRiverton")


def _run(scenario: str, seed: int, hours: float = 8.0, name: str = "default"):  # type: ignore[no-untyped-def]
    sim = generate(scenario, seed, hours=hours)
    oracle = NoisyClassifier(sim.labels, seed=seed)
    return sim, detect(((p, oracle.predict_one(p)) for p in sim.posts), sim.campaign, name)


@pytest.mark.parametrize("seed", [21, 22])
def test_fires_within_minutes_of_a_mynypd_hijack_with_the_true_trigger_first(seed: int) -> None:
    sim, alarms = _run("mynypd", seed, hours=5)
    assert alarms, "no alarm on a hijacked stream"
    first = alarms[0]
    assert sim.truth.onset is not None and first.at >= sim.truth.onset
    assert (first.at - sim.truth.onset) <= timedelta(minutes=15)
    assert first.triggers[0] == sim.truth.trigger_accounts[0]
    assert first.hostile_share > first.share_before
    assert first.examples and first.example_ids and "hostile share rose" in first.message


@pytest.mark.parametrize(("scenario", "seed"), [("viral-success", 31), ("viral-success", 32),
                                                ("steady-critics", 33), ("steady-critics", 34)])
def test_silent_when_a_campaign_goes_viral_or_has_steady_critics(scenario: str, seed: int) -> None:
    _, alarms = _run(scenario, seed, hours=12)
    assert alarms == []


def test_the_volume_baseline_cries_wolf_on_viral_success_where_ours_does_not() -> None:
    _, volume = _run("viral-success", 31, hours=12, name="volume-spike")
    assert volume


def _post(i: int, minute: float, handle: str | None = None, followers: int | None = 300,
          repost_of: str | None = None) -> Post:
    return Post(id=str(i), platform="csv", author=Author(handle=handle or f"user{i}", followers=followers),
                created_at=T0 + timedelta(minutes=minute), text=f"post {i}", repost_of=repost_of)


def _verdict(i: int, p: float) -> Verdict:
    return Verdict(post_id=str(i), stance="hostile" if p >= 0.5 else "support", p_hostile=p)


def _feed(det: HijackDetector, start: int, n: int, minute0: float, p: float, per_minute: float = 4.0) -> list:
    out = []
    for k in range(n):
        i = start + k
        alarm = det.update(_post(i, minute0 + k / per_minute), _verdict(i, p))
        if alarm:
            out.append(alarm)
    return out


def test_escalates_instead_of_repeating_and_respects_the_cool_down() -> None:
    det = HijackDetector(CAMPAIGN, cooldown_minutes=120)
    assert _feed(det, 0, 400, 0, 0.1) == []  # 100 calm minutes
    burst = _feed(det, 400, 60, 100, 0.9)  # 15 hostile minutes
    assert [a.severity for a in burst] == ["watch", "warning", "critical"]
    assert burst[0].share_before < 0.2 < 0.8 < burst[-1].hostile_share
    assert _feed(det, 460, 480, 115, 0.05, per_minute=8) == []  # calm again: the episode ends
    assert det.statistic == 0
    assert _feed(det, 940, 60, 175, 0.9) == []  # a new burst inside the 120 min cool-down: no repeat
    late = _feed(det, 1000, 600, 190, 0.05, per_minute=4) + _feed(det, 1600, 60, 340, 0.9)
    assert late and late[0].severity == "watch"  # after the cool-down, a new episode alarms again


def test_the_owner_cannot_raise_an_alarm() -> None:
    det = HijackDetector(CAMPAIGN)
    for i in range(600):
        det.update(_post(i, i / 4, handle="CityOfRiverton"), _verdict(i, 0.95))
    assert det.alarms == [] and det.statistic == 0


def test_reposts_weigh_the_audience_they_add_not_a_fresh_post() -> None:
    weights = ReachWeights()
    original = weights.weight(_post(1, 0, followers=250))
    first = weights.weight(_post(2, 1, followers=250, repost_of="1"))
    tenth = [weights.weight(_post(3 + k, 2, followers=250, repost_of="1")) for k in range(9)][-1]
    assert original == 1.0 and first == pytest.approx(0.5) and tenth < first / 3
    assert reach(2_000_000) > reach(250) > reach(3)
    same_author = [weights.weight(_post(100 + k, 3, handle="busy")) for k in range(4)]
    assert same_author[3] == pytest.approx(same_author[0] / 2)


def test_false_alarm_rate_sets_the_threshold() -> None:
    strict = HijackDetector(false_alarms_per_day=0.01).thresholds()
    loose = HijackDetector(false_alarms_per_day=1.0).thresholds()
    assert all(s - lo == pytest.approx(2 * 2.302585, rel=1e-6) for s, lo in zip(strict, loose, strict=True))


def test_a_stricter_false_alarm_rate_alarms_later() -> None:
    sim = generate("mynypd", 23, hours=5)
    verdicts = NoisyClassifier(sim.labels, seed=23).predict_many(sim.posts)
    firsts = []
    for rate in (1.0, 0.001):
        alarms = detect(zip(sim.posts, verdicts, strict=True), sim.campaign, false_alarms_per_day=rate)
        firsts.append(alarms[0].at)
    assert firsts[0] <= firsts[1]


def test_fixed_share_baseline_reads_vader_not_the_classifier() -> None:
    det = get_detector("fixed-share", CAMPAIGN)
    for i in range(120):
        text = "This is awful, terrible and disgusting" if i % 2 else "What a lovely day"
        post = Post(id=str(i), platform="csv", author=Author(handle=f"u{i}"), text=text,
                    created_at=T0 + timedelta(minutes=i))
        det.update(post, _verdict(i, 0.0))  # the classifier says nothing is hostile
    assert det.alarms and det.alarms[0].hostile_share > 0.4


def test_posts_with_nothing_to_judge_are_no_evidence() -> None:
    from backfire.model import NOTHING_TO_JUDGE

    def run(reason: str) -> HijackDetector:
        det = HijackDetector(CAMPAIGN)
        for i in range(400):  # a calm stream, then reposts of posts the stream never showed (no text)
            det.update(_post(i, i / 4), _verdict(i, 0.05))
        for i in range(400, 800):
            blank = _post(i, i / 4, repost_of=f"elsewhere{i}").model_copy(update={"text": ""})
            det.update(blank, Verdict(post_id=str(i), stance="neutral", p_hostile=0.5, reason=reason))
        return det

    assert run("").alarms  # read as half hostile, they would look like a hijack
    skipped = run(NOTHING_TO_JUDGE)
    assert not skipped.alarms and skipped.posts_seen == 400


def test_fixed_share_baseline_reads_a_repost_without_text_as_the_post_it_repeats() -> None:
    det = get_detector("fixed-share", CAMPAIGN)
    angry = Post(id="a", platform="bluesky", author=Author(handle="critic"), text="This is awful and disgusting",
                 created_at=T0)
    det.update(angry, _verdict(0, 0.0))
    for i in range(1, 120):  # Jetstream repost records carry no text: each repeats the angry post
        again = Post(id=f"r{i}", platform="bluesky", author=Author(handle=f"u{i}"), text="", repost_of="a",
                     created_at=T0 + timedelta(minutes=i))
        det.update(again, _verdict(i, 0.0))
    assert det.alarms and det.alarms[0].hostile_share == 1.0


def test_volume_baseline_fires_on_a_spike() -> None:
    det = get_detector("volume-spike", CAMPAIGN)
    for i in range(60):  # one post a minute for an hour
        det.update(_post(i, i), _verdict(i, 0.1))
    for i in range(60, 260):  # then 200 posts in ten minutes
        det.update(_post(i, 60 + (i - 60) / 20), _verdict(i, 0.1))
    assert len(det.alarms) == 1


def test_unknown_detector_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="default"):
        get_detector("nope")


def test_a_lasting_shift_becomes_the_new_normal_after_rebaseline_hours() -> None:
    det = HijackDetector(CAMPAIGN, rebaseline_hours=2)
    _feed(det, 0, 400, 0, 0.1)
    first = _feed(det, 400, 800, 100, 0.6)  # 200 minutes at a new, lasting level
    assert first and first[0].severity == "watch"
    assert det.baseline > 0.4 and det.statistic < 1  # accepted as the baseline, watching again


@pytest.mark.xfail(strict=True, reason="known gap: the Bernoulli CUSUM assumes p_hostile well separated; a "
                   "standardised CUSUM caught it but lost slow burns at equal false alarms, and a cluster-robust "
                   "moving-window z-test arm caught it but gained nothing at equal false alarms (noisy or default "
                   "classifier)")
def test_a_poorly_separated_classifier_still_shows_the_shift_against_the_streams_own_calm_level() -> None:
    import random

    rng = random.Random(5)
    det = HijackDetector(CAMPAIGN)
    calm = [det.update(_post(i, i / 4), _verdict(i, rng.gauss(0.25, 0.06))) for i in range(1200)]
    assert not any(calm)  # 300 calm minutes (the detector has no `spread`: it used to fail on that)
    # A hijack read by a timid model: hostile posts score 0.38 on average, and half the posts are hostile.
    turned = [det.update(_post(i, i / 4), _verdict(i, rng.gauss(0.38 if i % 2 else 0.25, 0.06)))
              for i in range(1200, 1400)]
    alarms = [a for a in turned if a]
    assert alarms and (alarms[0].at - (T0 + timedelta(minutes=300))) <= timedelta(minutes=15)


def test_the_trigger_is_the_seed_of_a_hostile_cascade_not_a_famous_account_or_a_reply_to_it() -> None:
    from backfire.warn.attribution import Threads

    board = Threads()

    def post(i: int, handle: str, followers: int, **links: str) -> Post:
        return Post(id=str(i), platform="csv", author=Author(handle=handle, followers=followers),
                    created_at=T0 + timedelta(minutes=i / 10), text=f"post {i}", **links)

    board.record(post(0, "seed", 20_000), 0.15, seed_reach(20_000), 0.2)  # sarcasm the classifier misread
    for i in range(1, 40):  # hostile agreement and reposts it draws
        if i % 3:
            board.record(post(i, f"fan{i}", 300, repost_of="0"), 0.15, reach(300), 0.2)
        else:
            board.record(post(i, f"fan{i}", 300, reply_to="0"), 0.8, seed_reach(300), 0.2)
    board.record(post(40, "famous", 2_000_000), 0.9, seed_reach(2_000_000), 0.2)  # one loud post, no cascade
    board.record(post(41, "replier", 500_000, reply_to="0"), 0.9, seed_reach(500_000), 0.2)  # answers the seed
    assert board.rank(T0, 0.2)[0] == "seed"
    assert "replier" not in board.rank(T0, 0.2)


def test_without_repost_links_the_big_account_that_spoke_first_is_the_trigger() -> None:
    # A stream assembled from posts alone (no reposts, no answers): a 120,000-follower account's post,
    # read only half hostile, opens the turn; ten small accounts follow with plainly hostile posts. Its
    # audience is the only sign of how far it went, and it should lead the triggers.
    det = HijackDetector(CAMPAIGN)
    _feed(det, 0, 480, 0.0, 0.05)
    det.update(_post(1000, 120.0, "bigcritic", 120_000), _verdict(1000, 0.5))
    alarms = []
    for i in range(1001, 1200):
        small = i % 2 == 0
        post = _post(i, 120.0 + (i - 1000) / 4, f"critic{i}" if small else None, 800)
        if alarm := det.update(post, _verdict(i, 0.95 if small else 0.05)):
            alarms.append(alarm)
    assert alarms and alarms[0].triggers[0] == "bigcritic"

def test_without_reply_links_a_leading_mention_answers_the_named_accounts_latest_post() -> None:
    # A CSV of tweets: no reply ids, but answers start with "@author". The trigger's sarcasm is misread
    # (p_hostile 0.1); twenty small accounts answer it in hostile agreement; a louder critic posts once.
    from backfire.warn.attribution import Threads

    def post(i: int, handle: str, followers: int, text: str) -> Post:
        return Post(id=str(i), platform="csv", author=Author(handle=handle, followers=followers),
                    created_at=T0 + timedelta(minutes=i / 10), text=text)

    board = Threads()
    board.record(post(0, "Activist", 60_000, "Such gentle officers #myNYPD"), 0.1, seed_reach(60_000), 0.1)
    board.record(post(1, "critic", 40_000, "This campaign is a disgrace"), 0.95, seed_reach(40_000), 0.1)
    for i in range(2, 22):
        board.record(post(i, f"fan{i}", 300, "@activist @NYPDnews so true, look at this #myNYPD"), 0.9,
                     seed_reach(300), 0.1)
    board.record(post(30, "fan30", 300, "@nobody_here hello"), 0.9, seed_reach(300), 0.1)  # names no author
    assert board.rank(T0, 0.1)[0] == "Activist"
    assert board.threads["0"].count == 20 and "30" in board.threads
    # the same answers anywhere but at the start are mentions, not answers
    other = Threads()
    other.record(post(0, "Activist", 60_000, "Such gentle officers"), 0.1, seed_reach(60_000), 0.1)
    other.record(post(1, "critic", 40_000, "This campaign is a disgrace"), 0.95, seed_reach(40_000), 0.1)
    for i in range(2, 22):
        other.record(post(i, f"fan{i}", 300, "so true @activist"), 0.9, seed_reach(300), 0.1)
    assert other.rank(T0, 0.1)[0] == "critic"



def test_answers_that_take_no_side_neither_lift_nor_dilute_the_thread_they_answer() -> None:
    from backfire.warn.attribution import Threads

    board = Threads()

    def post(i: int, handle: str, followers: int, **links: str) -> Post:
        return Post(id=str(i), platform="csv", author=Author(handle=handle, followers=followers),
                    created_at=T0 + timedelta(minutes=i / 100), text=f"post {i}", **links)

    # The seed, read as taking no side (p_hostile 0.12, p_support 0.15), and the agreement it draws, read
    # the same way alone ("Saving this before they delete it"): their sided part leans hostile.
    board.record(post(0, "seed", 20_000), 0.12, seed_reach(20_000), 0.2, 0.15)
    for i in range(1, 40):
        board.record(post(i, f"fan{i}", 300, repost_of="0"), 0.12, reach(300), 0.2, 0.15)
    for i in range(40, 80):
        board.record(post(i, f"agree{i}", 300, reply_to="0"), 0.15, seed_reach(300), 0.2, 0.12)
    # A friendly cascade as big, whose answers support the campaign, and a small plainly hostile post.
    board.record(post(100, "friendly", 20_000), 0.12, seed_reach(20_000), 0.2, 0.6)
    for i in range(101, 140):
        board.record(post(i, f"rt{i}", 300, repost_of="100"), 0.12, reach(300), 0.2, 0.6)
    for i in range(140, 180):
        board.record(post(i, f"cheer{i}", 300, reply_to="100"), 0.09, seed_reach(300), 0.2, 0.35)
    board.record(post(200, "critic", 2_000), 0.86, seed_reach(2_000), 0.2, 0.01)
    ranked = board.rank(T0, 0.2)
    assert ranked[0] == "seed" and "friendly" not in ranked


def test_a_stream_of_independent_posts_earns_a_smaller_design_effect_than_one_of_cascades() -> None:
    # The mechanism, apart from the calibrated default (2.4, close to the flat streams' own 2.1 x ~1):
    # a cascaded stream keeps the design effect it is given, a flat one earns structure_effect x ~1.
    flat, cascaded = HijackDetector(CAMPAIGN, design_effect=3.0), HijackDetector(CAMPAIGN, design_effect=3.0)
    for i in range(2400):  # ten calm hours, 4 posts a minute
        flat.update(_post(i, i / 4), _verdict(i, 0.1))
        root = i - i % 12  # an original and the 11 reposts it draws
        repost_of = None if i == root else str(root)
        cascaded.update(_post(i, i / 4, repost_of=repost_of), _verdict(i, 0.1))
    assert 0.9 < flat._structure.factor < 1.2 and cascaded._structure.factor > 1.5
    assert flat.effective_design_effect < 0.9 * cascaded.effective_design_effect == 0.9 * cascaded.design_effect
    # the same subtle turn: 60 minutes of independent posts at p 0.25 on each, read with the same evidence
    at = [next((k for k in range(240) if det.update(_post(3000 + k, 600 + k / 4), _verdict(3000 + k, 0.25))),
               None) for det in (flat, cascaded)]
    assert at[0] is not None and (at[1] is None or at[0] < at[1])


def test_the_clustering_measure_starts_from_the_worst_case_unless_told_otherwise() -> None:
    # Calibrating `structure_effect` needs the measure started from independent posts: a worst-case
    # prior of design_effect / structure_effect (100 / 1) would swamp what the calm stream shows.
    worst = HijackDetector(CAMPAIGN, design_effect=100.0, structure_effect=1.0)
    plain = HijackDetector(CAMPAIGN, design_effect=100.0, structure_effect=1.0, structure_prior=1.0)
    assert HijackDetector(CAMPAIGN).effective_design_effect == 2.4 and plain.effective_design_effect == 1.0
    for i in range(600):  # two and a half calm hours of independent posts
        for det in (worst, plain):
            det.update(_post(i, i / 4), _verdict(i, 0.1))
    assert plain.effective_design_effect < 1.2 < 2.5 < worst.effective_design_effect


def test_retweet_rows_of_a_post_never_seen_count_as_one_cluster_not_as_independent_posts() -> None:
    # A stream cut from a longer one: friendly posts, and rows "RT @critic: ..." repeating a post from
    # before the cut. They stay originals for attribution, but their verdicts are one verdict repeated.
    def stream(rows: bool) -> HijackDetector:
        det = HijackDetector(CAMPAIGN)
        for i in range(2400):
            post = _post(i, i / 4)
            if rows and i % 4 == 0:
                post = post.model_copy(update={"text": f"RT @critic{i % 40 // 4}: a post from before the cut"})
            det.update(post, _verdict(i, 0.1))
        return det

    plain, with_rows = stream(False), stream(True)
    assert with_rows._structure.factor > 2 * plain._structure.factor
    assert with_rows.effective_design_effect == with_rows.design_effect > plain.effective_design_effect


def test_the_false_alarm_rate_keeps_its_meaning_on_a_small_campaign_and_a_busy_one() -> None:
    quiet, busy = HijackDetector(CAMPAIGN), HijackDetector(CAMPAIGN)
    for i in range(3600):  # three calm hours at the same share: a post every 2 minutes, or 20 a minute
        if i < 90:
            quiet.update(_post(i, i * 2.0), _verdict(i, 0.1))
        busy.update(_post(i, i / 20), _verdict(i, 0.1))
    assert quiet.rate() < 0.6 * quiet.posts_per_day < 3 * busy.posts_per_day < busy.rate()  # learnt from each stream
    assert all(q < b for q, b in zip(quiet.thresholds(), busy.thresholds(), strict=True))
    fixed = HijackDetector(CAMPAIGN, rate_from_stream=False)
    fixed.update(_post(0, 0.0), _verdict(0, 0.1))
    assert fixed.rate() == fixed.posts_per_day


def test_a_classifier_that_gives_no_p_support_has_its_answers_counted_whole() -> None:
    det = HijackDetector(CAMPAIGN)
    det.update(_post(0, 0.0), _verdict(0, 0.1))
    for i in range(1, 60):  # answers with p_hostile only: read as taking a side, not as neutral
        det.update(Post(id=str(i), platform="csv", author=Author(handle=f"r{i}"), created_at=T0, text="x",
                        reply_to="0"), _verdict(i, 0.1))
    thread = det._board.threads["0"]
    assert thread.sided == thread.count and det._board.hostility(thread) < 0.11


def test_the_evidence_of_an_unsure_classifier_counts_for_more_than_that_of_a_sure_one() -> None:
    """Two calm streams at the same 20% hostile share: sure 0/1 verdicts (dispersion 1), and an unsure
    classifier's 0.1 / 0.6 (Var(p) / (p (1 - p)) = 0.25). The detector measures each on the stream."""
    sure, unsure, fixed = HijackDetector(CAMPAIGN), HijackDetector(CAMPAIGN), HijackDetector(
        CAMPAIGN, dispersion_from_stream=False)
    for i in range(1200):  # five calm hours, four posts a minute
        hostile = i % 5 == 0
        sure.update(_post(i, i / 4), _verdict(i, 1.0 if hostile else 0.0))
        unsure.update(_post(i, i / 4), _verdict(i, 0.6 if hostile else 0.1))
        fixed.update(_post(i, i / 4), _verdict(i, 0.6 if hostile else 0.1))
    assert sure.dispersion > 0.9 and unsure.dispersion == pytest.approx(0.25, abs=0.06) and fixed.dispersion == 1.0
    assert unsure.baseline == pytest.approx(fixed.baseline)
    for det in (unsure, fixed):  # then a burst the unsure classifier reads at 0.35 on average
        for k in range(40):
            det.update(_post(2000 + k, 300 + k / 4), _verdict(2000 + k, 0.6 if k % 2 else 0.1))
    assert unsure.statistic > 3 * fixed.statistic > 0


def test_a_post_addressed_to_an_account_that_spoke_hours_ago_is_a_complaint_of_its_own() -> None:
    # A campaign known by its tag alone: the owner's launch post is on the board like anyone's. Two
    # hours later a critic addresses the owner and is reposted widely; it must not join the launch post.
    from backfire.warn.attribution import Threads

    def post(minute: float, pid: str, handle: str, text: str = "", **links: str) -> Post:
        return Post(id=pid, platform="csv", author=Author(handle=handle, followers=5_000),
                    created_at=T0 + timedelta(minutes=minute), text=text, **links)

    for linked in (False, True):
        board = Threads()
        board.record(post(0, "launch", "Apple", "Share your #AAPL moments"), 0.02, seed_reach(5_000), 0.1)
        if linked:  # a stream that links its answers: an unlinked post is never an answer
            board.record(post(1, "r", "fan", "love it", reply_to="launch"), 0.02, 1.0, 0.1)
            board.record(post(110, "news", "Apple", "New colours #AAPL"), 0.02, seed_reach(5_000), 0.1)
        board.record(post(120, "c", "critic", "@apple my mac died again #AAPL"), 0.95, seed_reach(5_000), 0.1)
        for i in range(30):
            board.record(post(121 + i, f"rt{i}", f"user{i}", repost_of="c"), 0.95, 1.0, 0.1)
        assert "c" in board.threads and board.threads["c"].reach > 30
        assert board.rank(T0 + timedelta(minutes=120), 0.1)[0] == "critic"
