"""`backfire label` stores a reviewer correction; `backfire train` refuses a folder without data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from backfire.cli import app
from backfire.model import Author, Campaign, Post
from backfire.store import open_store


def seeded_store(path: Path) -> None:
    with open_store(path) as store:
        store.save_campaign(Campaign.for_tag("myNYPD", owner="NYPDnews"))
        store.add_posts([Post(id="42", platform="twitter", author=Author(handle="a"), text="nice baton #myNYPD",
                              created_at=datetime(2014, 4, 22, 18, tzinfo=UTC))], "myNYPD")


def test_label_stores_a_correction(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    seeded_store(db)
    result = CliRunner().invoke(app, ["label", "twitter:42", "--stance", "hostile", "--campaign", "myNYPD",
                                      "--reviewer", "ana", "--reason", "sarcasm", "--db", str(db)])
    assert result.exit_code == 0, result.output
    with open_store(db) as store:
        (label,) = store.labels("myNYPD")
    assert (label.post_key, label.stance, label.reviewer, label.reason) == ("twitter:42", "hostile", "ana", "sarcasm")


def test_label_rejects_bad_input(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    seeded_store(db)
    runner = CliRunner()
    args = ["--campaign", "myNYPD", "--db", str(db)]
    bad_stance = runner.invoke(app, ["label", "twitter:42", "--stance", "angry", *args])
    assert bad_stance.exit_code == 2 and "Unknown stance" in bad_stance.output
    no_post = runner.invoke(app, ["label", "twitter:1", "--stance", "hostile", *args])
    assert no_post.exit_code == 2 and "No post" in no_post.output
    no_campaign = runner.invoke(app, ["label", "twitter:42", "--stance", "hostile", "--campaign", "x", "--db", str(db)])
    assert no_campaign.exit_code == 2 and "No campaign" in no_campaign.output


def test_train_needs_the_data_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "No labelled data" in result.output
