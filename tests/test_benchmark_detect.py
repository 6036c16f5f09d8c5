"""The detector benchmark's scoring: the threshold sweep and the trace it reads (benchmarks/detect_run.py)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import re
import shlex
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


@pytest.fixture(scope="module")
def script(run: ModuleType) -> ModuleType:
    """benchmarks/detect itself (a script without a .py suffix), on top of detect_run."""
    loader = importlib.machinery.SourceFileLoader("detect_script", str(BENCH.parent / "detect"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("detect_script", loader))
    loader.exec_module(module)
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


def test_tag_only_streams_know_the_campaign_by_its_tag_alone(run: ModuleType) -> None:
    full, bare = run.simulate("mynypd", 3, 4.0), run.simulate("mynypd", 3, 4.0, tweaks=["tag-only"])
    assert full.campaign.owners and not bare.campaign.owners
    assert bare.campaign.tags == full.campaign.tags and [p.id for p in bare.posts] == [p.id for p in full.posts]
    owner_posts = sum(full.campaign.is_owner(p.author.handle) for p in full.posts)
    assert owner_posts and not any(bare.campaign.is_owner(p.author.handle) for p in bare.posts)


def test_flat_streams_keep_every_original_and_lose_every_cascade_link(run: ModuleType) -> None:
    full, flat = run.simulate("mynypd", 3, 4.0), run.simulate("mynypd", 3, 4.0, tweaks=["flat"])
    originals = [p.id for p in full.posts if p.repost_of is None]
    assert [p.id for p in flat.posts] == originals and len(originals) < len(full.posts)
    assert not any(p.reply_to or p.quote_of or p.repost_of for p in flat.posts)
    assert set(flat.labels) == set(originals) and flat.truth == full.truth
    with pytest.raises(ValueError, match="unknown tweak"):
        run.simulate("mynypd", 3, 1.0, tweaks=["round"])


def test_volume_tweaks_scale_the_stream_and_keep_its_story(run: ModuleType) -> None:
    sizes = {t: len(run.simulate("mynypd", 3, 4.0, tweaks=[t] if t else []).posts) for t in ("quiet", "", "busy")}
    assert sizes["quiet"] < 0.5 * sizes[""] < 0.25 * sizes["busy"]
    quiet, busy = run.simulate("mynypd", 3, 4.0, tweaks=["quiet"]), run.simulate("mynypd", 3, 4.0, tweaks=["busy"])
    assert quiet.truth.hijacked and busy.truth.hijacked and quiet.truth.onset and busy.truth.onset


def test_retweet_rows_name_no_post_and_the_detector_links_them_back(run: ModuleType) -> None:
    from backfire.warn import get_detector

    full, rows = run.simulate("mynypd", 3, 4.0), run.simulate("mynypd", 3, 4.0, tweaks=["rt-rows"])
    assert [p.id for p in rows.posts] == [p.id for p in full.posts] and not any(p.repost_of for p in rows.posts)
    reposts = [(a, b) for a, b in zip(full.posts, rows.posts, strict=True) if a.repost_of]
    assert reposts and all(b.text.startswith("RT @") for _, b in reposts)
    verdicts = run.verdicts_for(full, "truth", 3)
    linked, written = get_detector("default", full.campaign), get_detector("default", rows.campaign)
    for a, b, verdict in zip(full.posts, rows.posts, verdicts, strict=True):
        linked.update(a, verdict)
        written.update(b, verdict)
        assert written.statistic == pytest.approx(linked.statistic)  # the same evidence, post by post


def test_streams_read_back_from_a_file_follow_the_files_names(run: ModuleType) -> None:
    full, bluesky = run.simulate("mynypd", 3, 4.0), run.simulate("mynypd", 3, 4.0, tweaks=["via-jetstream"])
    assert len(bluesky.posts) == len(full.posts) and all(p.id.startswith("at://") for p in bluesky.posts)
    assert set(bluesky.labels) == {p.id for p in bluesky.posts}
    ids = {p.id for p in bluesky.posts}
    assert all(p.repost_of in ids for p in bluesky.posts if p.repost_of)  # the cascades hold
    assert not any(p.author.followers for p in bluesky.posts) and not any(p.text for p in bluesky.posts if p.repost_of)
    authors = {p.author.handle for p in bluesky.posts}
    assert bluesky.truth.trigger_accounts[0] in authors and bluesky.campaign.owners[0] in authors
    assert bluesky.truth.trigger_accounts[0].startswith("did:")
    # a 2014 replay written as Bluesky posts moves into Bluesky's years (whole weeks), onset and all
    assert bluesky.posts[0].created_at.year >= 2023 and bluesky.truth.onset is not None
    assert bluesky.truth.onset - bluesky.posts[0].created_at == full.truth.onset - full.posts[0].created_at
    assert bluesky.posts[0].created_at.weekday() == full.posts[0].created_at.weekday()
    same = run.simulate("mynypd", 3, 4.0, tweaks=["via-twitter-v2"])
    assert [p.id for p in same.posts] == [p.id for p in full.posts] and same.truth == full.truth
    with pytest.raises(ValueError, match="via-FORMAT"):
        run.simulate("mynypd", 3, 1.0, tweaks=["via-myspace"])


@pytest.mark.skipif(not (Path(__file__).resolve().parents[1].parent / "shared" / "data").is_dir(),
                    reason="needs ../shared/data")
def test_texts_name_the_shared_data_by_word_or_by_folder(run: ModuleType) -> None:
    by_word, by_folder = run.text_bank("real"), run.text_bank(str(run.SHARED_DATA))
    assert by_word.sizes() == by_folder.sizes() and by_word.campaign == by_folder.campaign


def test_figures_carry_intervals_that_widen_on_few_streams(run: ModuleType) -> None:
    def outcomes(n_hijacks: int, n_controls: int) -> list:
        hij = [run.Outcome("mynypd", i, "default", True, 1, False, 5.0 + i % 10 if i % 10 else None, i % 10 != 0)
               for i in range(n_hijacks)]
        ctl = [run.Outcome("viral-success", 1000 + i, "default", False, int(i == 0), i == 0, None, False)
               for i in range(n_controls)]
        return hij + ctl

    few, many = run.intervals(outcomes(10, 10), "default"), run.intervals(outcomes(100, 100), "default")
    figures = run.summarise(outcomes(100, 100), "default")
    for key in ("detected_60min", "controls_alarmed", "trigger_first"):
        low, high = many[key]
        assert low < figures[key] < high  # the interval holds the figure
        assert few[key][1] - few[key][0] > high - low  # and ten streams say much less than a hundred
    low, high = many["median_delay_min"]
    assert low < figures["median_delay_min"] < high
    assert few["median_delay_min"][1] - few["median_delay_min"][0] > high - low


def test_interval_of_a_median_is_the_textbook_order_statistics(run: ModuleType) -> None:
    assert run.median_interval([float(i) for i in range(1, 31)]) == (10.0, 21.0)  # ranks 10 and 21 of 30
    assert run.median_interval([float(i) for i in range(1, 41)]) == (14.0, 27.0)
    two_missed = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, float("inf"), float("inf")]
    assert run.median_interval(two_missed) == (2.0, float("inf"))  # two undetected in ten: it may be "never"
    assert run.share_interval(0, 30)[0] == 0.0 and 0.11 < run.share_interval(0, 30)[1] < 0.12


def test_a_run_without_hijacks_reports_only_the_goals_it_can_judge(run: ModuleType, script: ModuleType,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    calm = [run.Outcome(s, 1000 + i, name, False, int(i == 0 and name != "default"), i == 0 and name != "default",
                        None, False) for i, s in enumerate(["viral-success", "steady-critics"] * 5)
            for name in run.DETECTORS]
    figures = script.report(calm, "truth", 1.0)
    out = capsys.readouterr().out
    assert "nan" not in out and figures["default"]["controls_alarmed"] == 0.0
    assert "goals met: 1/1 (detected_60min, median_delay_min, trigger_first: no streams of that kind)" in out
    assert "strictly better than both baselines on every figure: True" in out


def test_detector_card_commands_run_the_benchmark_as_it_is(script: ModuleType) -> None:
    """Every command of docs/detector-card.md parses, and every --option names a detector option."""
    from backfire.warn.detector import HijackDetector

    text = (BENCH.parent.parent / "docs" / "detector-card.md").read_text(encoding="utf-8")
    commands = re.findall(r"^    benchmarks/detect(.*)$", text, flags=re.M)
    assert len(commands) >= 5
    parser = script.parser()
    accepted = set(inspect.signature(HijackDetector).parameters)
    for line in commands:
        args = parser.parse_args(shlex.split(line))
        assert {o.partition("=")[0] for o in args.option} <= accepted, line
