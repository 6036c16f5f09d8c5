"""Docs that tests keep honest: every command and setting documented, the README's commands true."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from typer.main import get_command

from backfire import settings
from backfire.cli import app
from backfire.warn.detector import HijackDetector

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    group = get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_every_command_is_documented_in_docs_cli() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## `backfire ([a-z-]+)", text, flags=re.M))
    assert set(_commands()) == documented


def test_every_command_has_help() -> None:
    group = get_command(app)
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        assert cmd.help, f"backfire {name} has no help text"


def test_docs_settings_is_generated_from_the_declarations() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings.as_markdown() in text, "regenerate with: backfire settings --markdown"


def test_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "backfire demo" in makefile and "pytest" in makefile and "torch==2.13.0" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_detector_card_states_the_defaults_the_detector_has() -> None:
    text = (ROOT / "docs" / "detector-card.md").read_text(encoding="utf-8")
    defaults = {k: p.default for k, p in inspect.signature(HijackDetector).parameters.items()}
    rows = dict(re.findall(r"^\| (false alarms a day|design effect) \| ([\d.]+) \|", text, flags=re.M))
    assert float(rows["false alarms a day"]) == defaults["false_alarms_per_day"] == settings.FALSE_ALARMS.default
    assert float(rows["design effect"]) == defaults["design_effect"] == settings.DESIGN_EFFECT.default
    small, large = defaults["shifts"]
    prose = " ".join(text.split())
    assert f"rose from the baseline by {small}" in prose and f"a rise of {large}" in prose
    assert f"(`false_alarms_per_day`, {defaults['false_alarms_per_day']}" in prose
    assert f"(`design_effect`, {defaults['design_effect']:g}," in prose
