"""Checks every registered detector passes: built-ins and plugins alike (entry points "backfire.detectors")."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from backfire.model import SEVERITIES, Alarm, Author, Campaign, Post, Verdict
from backfire.simulate import generate
from backfire.simulate.oracle import NoisyClassifier
from backfire.warn import detector_names, get_detector
from backfire.warn.base import Detector

NAMES = detector_names()
SIM = generate("mynypd", seed=11, hours=5)
VERDICTS = NoisyClassifier(SIM.labels, seed=11).predict_many(SIM.posts)


def _run(detector: Detector) -> list[Alarm]:
    for post, verdict in zip(SIM.posts, VERDICTS, strict=True):
        detector.update(post, verdict)
    return detector.alarms


def test_the_agreed_names_are_registered() -> None:
    assert {"default", "volume-spike", "fixed-share", "baseline-share"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_follows_the_interface_and_is_documented(name: str) -> None:
    detector = get_detector(name, SIM.campaign)
    assert isinstance(detector, Detector)
    assert detector.campaign is SIM.campaign and detector.alarm is None and detector.alarms == []
    assert (type(detector).__doc__ or "").strip()


@pytest.mark.parametrize("name", NAMES)
def test_silent_on_an_empty_stream(name: str) -> None:
    detector = get_detector(name)
    assert detector.alarm is None and detector.alarms == []


@pytest.mark.parametrize("name", NAMES)
def test_deterministic(name: str) -> None:
    first = [a.model_dump() for a in _run(get_detector(name, SIM.campaign))]
    second = [a.model_dump() for a in _run(get_detector(name, SIM.campaign))]
    assert first == second


@pytest.mark.parametrize("name", NAMES)
def test_pickles_mid_stream_and_resumes_identically(name: str) -> None:
    half = len(SIM.posts) // 2
    detector = get_detector(name, SIM.campaign)
    for post, verdict in zip(SIM.posts[:half], VERDICTS[:half], strict=True):
        detector.update(post, verdict)
    blob = pickle.dumps(detector)
    assert len(blob) < 2_000_000
    restored = pickle.loads(blob)
    for post, verdict in zip(SIM.posts[half:], VERDICTS[half:], strict=True):
        a, b = detector.update(post, verdict), restored.update(post, verdict)
        assert (a is None) == (b is None)
    assert [a.model_dump() for a in detector.alarms] == [a.model_dump() for a in restored.alarms]


@pytest.mark.parametrize("name", NAMES)
def test_survives_missing_followers_and_empty_text(name: str) -> None:
    detector = get_detector(name, Campaign.for_tag("x"))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(300):
        post = Post(id=str(i), platform="csv", author=Author(handle=f"u{i % 7}"), text="" if i % 2 else "meh",
                    created_at=t0 + timedelta(seconds=20 * i), repost_of=str(i - 1) if i % 5 == 0 and i else None)
        detector.update(post, Verdict(post_id=post.id, stance="hostile" if i > 150 else "neutral",
                                      p_hostile=0.9 if i > 150 else 0.1))


@pytest.mark.parametrize("name", NAMES)
def test_alarms_have_valid_fields(name: str) -> None:
    ids = {p.id for p in SIM.posts}
    for alarm in _run(get_detector(name, SIM.campaign)):
        assert alarm.severity in SEVERITIES and 0 <= alarm.hostile_share <= 1
        assert alarm.post_id in ids and alarm.detector
        assert all(isinstance(t, str) and t for t in alarm.triggers)
        assert set(alarm.example_ids) <= ids
        assert alarm.contract_fields()["at"].endswith("Z")
