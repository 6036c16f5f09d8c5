"""The detector benchmark's scoring: the threshold sweep and the trace it reads (benchmarks/detect_run.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "detect_run.py"


@pytest.fixture(scope="module")
def run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("detect_run", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["detect_run"] = module
    spec.loader.exec_module(module)
    return module


def test_sweep_scores_each_scale_from_the_first_crossing(run: ModuleType) -> None:
    hijacks = [run.Trace("mynypd", 1, True, 0.3, [(2.0, 0.5), (4.0, 1.1), (9.0, 2.0)]),
               run.Trace("slow-burn", 2, True, 0.9, [(30.0, 0.7), (50.0, 0.95)])]
    controls = [run.Trace("viral-success", 3, False, 0.85, []), run.Trace("steady-critics", 4, False, 0.2, [])]
    at_one = run.sweep(hijacks + controls, 1.0)
    assert at_one["detected_60min"] == 0.5 and at_one["median_delay_min"] == float("inf")
    assert at_one["controls_alarmed"] == 0.0 and at_one["pre_onset_alarms"] == 0.0
    lower = run.sweep(hijacks + controls, 0.8)
    assert lower["detected_60min"] == 1.0 and lower["median_delay_min"] == (4.0 + 50.0) / 2
    assert lower["controls_alarmed"] == 0.5 and lower["pre_onset_alarms"] == 0.5


def test_trace_follows_the_statistic_without_alarming(run: ModuleType) -> None:
    trace = run.trace_stream("mynypd", 3, "truth", hours=4.0)
    assert trace.hijacked and trace.window
    assert trace.window[0][0] >= 0 and trace.window[-1][0] <= 60
    assert max(stat for _, stat in trace.window) >= 1.0  # a perfect reader sees the hijack
    assert trace.calm_peak < 1.0


def test_streams_can_carry_a_bank_of_real_posts(run: ModuleType, tmp_path: Path) -> None:
    bank = tmp_path / "bank.csv"
    bank.write_text("text,stance\nworst service ever,hostile\nthanks so much,support\nopen at nine,neutral\n",
                    encoding="utf-8")
    sim = run.simulate("mynypd", 3, 4.0, str(bank))
    joined = {p.text for p in sim.posts if not sim.campaign.is_owner(p.author.handle) and p.repost_of is None}
    assert {t.split(" #")[0].split()[-1] for t in joined} == {"ever", "much", "nine"}
    outcomes = run.run_stream("mynypd", 3, "truth", hours=4.0, texts=str(bank))
    assert {o.detector for o in outcomes} == set(run.DETECTORS)
    assert next(o for o in outcomes if o.detector == "default").delay is not None


@pytest.mark.skipif(not (Path(__file__).resolve().parents[1].parent / "shared" / "data").is_dir(),
                    reason="needs ../shared/data")
def test_texts_name_the_shared_data_by_word_or_by_folder(run: ModuleType) -> None:
    by_word, by_folder = run.text_bank("real"), run.text_bank(str(run.SHARED_DATA))
    assert by_word.sizes() == by_folder.sizes() and by_word.campaign == by_folder.campaign
