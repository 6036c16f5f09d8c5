"""Answers read in their thread (opt-in, `answer_context=True`): the part of an answer's verdict that
takes no side goes along with the post it answers (`backfire.warn.context`), so the hostile threads of a
hijack count as hostile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backfire.model import Author, Campaign, Post, Verdict
from backfire.warn import HijackDetector
from backfire.warn.context import Context

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
CAMPAIGN = Campaign.for_tag("LoveRiverton", owner="CityOfRiverton")


def _post(i: int, minute: float, reply_to: str | None = None) -> Post:
    return Post(id=str(i), platform="csv", author=Author(handle=f"user{i}", followers=300),
                created_at=T0 + timedelta(minutes=minute), text=f"post {i}", reply_to=reply_to)


def _verdict(i: int, p_hostile: float, p_support: float) -> Verdict:
    stance = "hostile" if p_hostile >= 0.5 else ("support" if p_support >= 0.5 else "neutral")
    return Verdict(post_id=str(i), stance=stance, p_hostile=p_hostile, p_support=p_support)


def _stream(det: HijackDetector, start: int, minutes: int, original: tuple[float, float],
            answer: tuple[float, float]) -> list[datetime]:
    """Four posts a minute: an original, then three answers to it that take (mostly) no side."""
    alarms = []
    for k in range(minutes * 4):
        i, minute = start + k, start / 4 + k / 4
        root = start + k - k % 4
        post = _post(i, minute) if k % 4 == 0 else _post(i, minute, reply_to=str(root))
        alarm = det.update(post, _verdict(i, *(original if k % 4 == 0 else answer)))
        if alarm:
            alarms.append(alarm.at)
    return alarms


def test_neutral_answers_to_hostile_posts_count_as_hostile_and_the_alarm_comes_sooner() -> None:
    det = HijackDetector(CAMPAIGN, answer_context=True)  # opt-in (see backfire.warn.context)
    assert _stream(det, 0, 120, (0.1, 0.6), (0.05, 0.5)) == []  # two calm hours, answers that agree
    # A hijack read timidly: hostile originals at 0.5, and the agreement they draw ("saving this before
    # they delete it") read as neutral. Post by post, the stream's hostile share rises from 0.07 to 0.19.
    alarms = _stream(det, 480, 60, (0.5, 0.05), (0.1, 0.05))
    assert alarms and alarms[0] - (T0 + timedelta(minutes=120)) <= timedelta(minutes=6)


def test_answers_are_read_alone_by_default() -> None:
    firsts = []
    for det in (HijackDetector(CAMPAIGN), HijackDetector(CAMPAIGN, answer_context=True)):
        _stream(det, 0, 120, (0.1, 0.6), (0.05, 0.5))
        alarms = _stream(det, 480, 60, (0.5, 0.05), (0.1, 0.05))
        firsts.append(alarms[0] if alarms else T0 + timedelta(days=1))
    alone, in_context = firsts
    assert alone > in_context  # the default does not read answers in their thread


def test_a_misread_friendly_post_whose_answers_support_the_campaign_passes_on_little() -> None:
    ctx = Context()
    ctx.read(_post(0, 0), _verdict(0, 0.6, 0.05))  # a friendly post the classifier misread
    reads = [ctx.read(_post(i, i / 10, reply_to="0"), _verdict(i, 0.08, 0.4)) for i in range(1, 30)]
    assert reads[0] > reads[-1] and reads[-1] < 0.3
    ctx.read(_post(100, 5), _verdict(100, 0.6, 0.05))  # a hostile post whose answers agree
    agreeing = [ctx.read(_post(i, i / 10, reply_to="100"), _verdict(i, 0.15, 0.05)) for i in range(101, 130)]
    assert agreeing[-1] > 0.5


def test_a_classifier_without_a_neutral_part_and_reposts_are_read_unchanged() -> None:
    ctx = Context()
    ctx.read(_post(0, 0), _verdict(0, 0.9, 0.1))
    assert ctx.read(_post(1, 1, reply_to="0"), _verdict(1, 0.2, 0.8)) == 0.2
    repost = Post(id="2", platform="csv", author=Author(handle="r"), created_at=T0, text="", repost_of="0")
    assert ctx.read(repost, _verdict(2, 0.9, 0.0)) == 0.9
    assert Context(enabled=False).read(_post(3, 1, reply_to="0"), _verdict(3, 0.1, 0.1)) == 0.1
