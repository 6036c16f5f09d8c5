"""Warn: hijack detectors over a campaign's stream of verdicts, and the channels alarms go to.

Detectors register under the entry point group "backfire.detectors", the built-ins too; `get_detector`
finds them by name.

>>> get_detector("default").name
'default'
>>> sorted(detector_names())[:3]
['baseline-share', 'default', 'fixed-share']
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

from backfire.model import Alarm, Campaign, Post, Verdict
from backfire.warn.base import Detector
from backfire.warn.baselines import FixedShareDetector, VolumeSpikeDetector
from backfire.warn.detector import HijackDetector

__all__ = ["Detector", "FixedShareDetector", "HijackDetector", "VolumeSpikeDetector", "detect",
           "detector_names", "get_detector"]

BUILTIN: dict[str, Any] = {
    "default": HijackDetector,
    "volume-spike": VolumeSpikeDetector,
    "fixed-share": FixedShareDetector,
    "baseline-share": FixedShareDetector,
}


def _registered() -> dict[str, Any]:
    """Detector entry points by name (the built-ins are registered too, once installed)."""
    return {ep.name: ep for ep in entry_points(group="backfire.detectors")}


def detector_names() -> list[str]:
    """Every known detector name, built-in or registered by a plugin."""
    return sorted(set(BUILTIN) | set(_registered()))


def get_detector(name: str = "default", campaign: Campaign | None = None, **options: Any) -> Detector:
    """A fresh detector by name, configured with `options` (its constructor arguments)."""
    factory = BUILTIN.get(name)
    if factory is None:
        ep = _registered().get(name)
        if ep is None:
            raise ValueError(f"unknown detector {name!r}; choose one of {', '.join(detector_names())}")
        factory = ep.load()
    detector: Detector = factory(campaign=campaign, **options)
    return detector


def configured_detector(name: str, campaign: Campaign | None, *, false_alarms_per_day: float,
                        design_effect: float) -> Detector:
    """The detector `name`, with the two tunings of the default one (other detectors take neither): the
    expected false alarms per day of a calm campaign, and the design effect (raise it for a classifier
    sharper than the project's: `benchmarks/detect --calibrate --classifier NAME` measures it)."""
    if name != "default":
        return get_detector(name, campaign)
    return get_detector(name, campaign, false_alarms_per_day=false_alarms_per_day, design_effect=design_effect)


def detect(pairs: Iterable[tuple[Post, Verdict]], campaign: Campaign | None = None, name: str = "default",
           **options: Any) -> list[Alarm]:
    """Run a detector over (post, verdict) pairs in time order and return every alarm it raised."""
    detector = get_detector(name, campaign, **options)
    for post, verdict in pairs:
        detector.update(post, verdict)
    return list(detector.alarms)
