"""Docs that tests keep honest: every command and setting documented, the README's commands true."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from backfire import settings
from backfire.cli import app

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
