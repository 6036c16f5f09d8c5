"""Image evidence: a hook that scores a post's images for force, arrests and confrontation.

The hook is a small protocol, `ImageScorer`, so any image model fits. `ClipScorer` implements it with
a CLIP-style model (OpenCLIP's `encode_image` / `encode_text`) by zero-shot comparison of each image
with prompts describing force and prompts describing friendly scenes. `ClipScorer.from_open_clip`
builds one from OpenCLIP weights present on local disk (never downloaded); without them the default
classifier runs on text and alt text alone. Images are read from local files only (no network).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from backfire.model import Media, Post

HOSTILE_PROMPTS = (
    "a photo of police using force on a person",
    "a photo of a person being arrested and handcuffed",
    "a photo of riot police with batons and shields",
    "a photo of pepper spray or tear gas at a protest",
    "a photo of an injured person bleeding",
)
FRIENDLY_PROMPTS = (
    "a photo of smiling people posing with police officers",
    "a photo of a tourist taking a selfie with an officer",
    "a photo of a police officer helping a child",
    "a photo of a friendly community event",
    "a photo of a police horse or dog being petted",
)


@runtime_checkable
class ImageScorer(Protocol):
    """Scores images: for each, the probability that it shows force or confrontation (None if unreadable)."""

    name: str

    def score(self, media: Sequence[Media]) -> list[float | None]: ...


def local_image(media: Media) -> Any | None:
    """Open `media` if its url is a local path or file:// url (PIL image), else None."""
    url = media.url.removeprefix("file://")
    path = Path(url)
    if "://" in url or not path.is_file():
        return None
    from PIL import Image

    with Image.open(path) as img:
        return img.convert("RGB")


class ClipScorer:
    """Zero-shot image scorer over a CLIP-style model.

    model: has `encode_image(tensor)` and `encode_text(tokens)` (OpenCLIP's interface).
    preprocess: turns a PIL image into a (3, H, W) tensor. tokenizer: turns a list of prompts into tokens.
    temperature: CLIP's logit scale. loader: opens a `Media` (default: local files only).
    """

    name = "clip"

    def __init__(
        self,
        model: Any,
        preprocess: Callable[[Any], Any],
        tokenizer: Callable[[list[str]], Any],
        temperature: float = 100.0,
        loader: Callable[[Media], Any | None] = local_image,
    ) -> None:
        self.model = model
        self.preprocess = preprocess
        self.tokenizer = tokenizer
        self.temperature = temperature
        self.loader = loader
        self._text: Any = None

    def __repr__(self) -> str:
        return f"ClipScorer(model={type(self.model).__name__}, temperature={self.temperature})"

    def _prompt_features(self) -> Any:
        import torch

        if self._text is None:
            with torch.inference_mode():
                feats = self.model.encode_text(self.tokenizer([*HOSTILE_PROMPTS, *FRIENDLY_PROMPTS]))
            self._text = torch.nn.functional.normalize(feats.float(), dim=-1)
        return self._text

    def score(self, media: Sequence[Media]) -> list[float | None]:
        import torch

        images = [self.loader(m) for m in media]
        present = [i for i, img in enumerate(images) if img is not None]
        out: list[float | None] = [None] * len(media)
        if not present:
            return out
        batch = torch.stack([self.preprocess(images[i]) for i in present])
        with torch.inference_mode():
            feats = torch.nn.functional.normalize(self.model.encode_image(batch).float(), dim=-1)
            probs = (self.temperature * feats @ self._prompt_features().T).softmax(dim=-1)
        hostile = probs[:, : len(HOSTILE_PROMPTS)].sum(dim=-1).numpy()
        for row, i in enumerate(present):
            out[i] = float(np.clip(hostile[row], 0.0, 1.0))
        return out

    @classmethod
    def from_open_clip(cls, arch: str, weights: str | Path) -> ClipScorer:
        """Build from OpenCLIP weights on local disk (`pip install open_clip_torch` first)."""
        import open_clip

        if not Path(weights).is_file():
            raise FileNotFoundError(f"No OpenCLIP weights at {weights}; image evidence stays off.")
        model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=str(weights))
        model.eval()
        return cls(model, preprocess, open_clip.get_tokenizer(arch))


def image_evidence(scorer: ImageScorer | None, posts: Sequence[Post]) -> list[float | None]:
    """For each post, the highest image score over its media (None without a scorer or readable image)."""
    if scorer is None:
        return [None] * len(posts)
    flat = [(i, m) for i, p in enumerate(posts) for m in p.media if m.type == "image"]
    scores = scorer.score([m for _, m in flat]) if flat else []
    out: list[float | None] = [None] * len(posts)
    for (i, _), s in zip(flat, scores, strict=True):
        if s is not None:
            current = out[i]
            out[i] = s if current is None else max(current, s)
    return out
