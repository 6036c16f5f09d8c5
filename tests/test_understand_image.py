"""The image hook, with a tiny CLIP-like torch model built here (no weights are downloaded)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from backfire.model import Author, Media, Post
from backfire.understand.backends.image import (
    FRIENDLY_PROMPTS,
    HOSTILE_PROMPTS,
    ClipScorer,
    ImageScorer,
    image_evidence,
)


class TinyClip(torch.nn.Module):
    """Maps red images near the hostile prompts and green ones near the friendly prompts."""

    def encode_image(self, x: torch.Tensor) -> torch.Tensor:
        red, green = x[:, 0].mean(dim=(1, 2)), x[:, 1].mean(dim=(1, 2))
        return torch.stack([red, green], dim=1)

    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        hostile = tokens[:, 0].float()
        return torch.stack([hostile, 1 - hostile], dim=1)


def tokenizer(prompts: list[str]) -> torch.Tensor:
    return torch.tensor([[1 if p in HOSTILE_PROMPTS else 0] for p in prompts])


def preprocess(img: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(img.resize((8, 8)), dtype=np.float32) / 255).permute(2, 0, 1)


def image(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Media:
    path = tmp_path / f"{name}.png"
    Image.new("RGB", (16, 16), colour).save(path)
    return Media(url=str(path), alt=None)


@pytest.fixture
def scorer() -> ClipScorer:
    return ClipScorer(TinyClip(), preprocess, tokenizer, temperature=10.0)


def test_scores_local_images(tmp_path: Path, scorer: ClipScorer) -> None:
    assert isinstance(scorer, ImageScorer) and "TinyClip" in repr(scorer)
    media = [image(tmp_path, "red", (250, 0, 0)), image(tmp_path, "green", (0, 250, 0)),
             Media(url="https://example.org/x.jpg"), Media(url=str(tmp_path / "missing.png"))]
    red, green, remote, missing = scorer.score(media)
    assert red is not None and green is not None
    assert red > 0.9 and green < 0.1
    assert remote is None and missing is None
    assert len(HOSTILE_PROMPTS) == len(FRIENDLY_PROMPTS)


def test_image_evidence_takes_the_worst_image(tmp_path: Path, scorer: ClipScorer) -> None:
    def post(i: str, media: list[Media]) -> Post:
        return Post(id=i, platform="t", author=Author(handle="a"), created_at=datetime(2014, 4, 22, tzinfo=UTC),
                    media=media)

    posts = [post("1", [image(tmp_path, "g", (0, 250, 0)), image(tmp_path, "r", (250, 0, 0))]), post("2", [])]
    first, second = image_evidence(scorer, posts)
    assert first is not None and first > 0.9 and second is None
    assert image_evidence(None, posts) == [None, None]


def test_default_classifier_uses_image_evidence(tmp_path: Path, scorer: ClipScorer) -> None:
    from backfire.model import Campaign
    from backfire.understand.classifier import DefaultClassifier

    base = DefaultClassifier.shared()
    with_images = object.__new__(DefaultClassifier)
    with_images.__dict__.update(base.__dict__, image=scorer)
    text = "Officers at the square today #myNYPD"
    photo = Post(id="1", platform="t", author=Author(handle="a"), created_at=datetime(2014, 4, 22, tzinfo=UTC),
                 text=text, media=[image(tmp_path, "red", (250, 0, 0))])
    campaign = Campaign.for_tag("myNYPD", owner="NYPDnews")
    plain = base.predict_one(photo, campaign)
    seen = with_images.predict_one(photo, campaign)
    assert seen.p_hostile > plain.p_hostile and "image hostile" in seen.reason
    assert "ClipScorer" in repr(with_images)
