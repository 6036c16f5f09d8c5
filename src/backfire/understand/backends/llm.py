"""An LLM judge over any OpenAI-compatible chat API (OpenAI, vLLM, llama.cpp server, Ollama's /v1).

Off by default: `get_classifier("llm", base_url=..., model=...)`. Each post is sent to
`POST {base_url}/chat/completions` with temperature 0 and asked for a JSON object; the reply is parsed
and clamped into a `Verdict`. Timeouts and 429/5xx answers are retried with backoff; a post the judge
cannot answer falls back to `fallback` (another classifier) or to a neutral, low-confidence verdict.
The API key is read from the environment variable named by `api_key_env`, never stored.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Sequence
from typing import Any

import httpx

from backfire.model import Campaign, Post, SentimentLabel, Stance, Verdict
from backfire.understand.base import Classifier

SYSTEM = (
    "You judge social-media posts about a hashtag campaign. Read sarcasm: praise over arrests, force or "
    "violence, mock advertising or customer-service phrasing, and quoting the organiser's call back at it "
    "are hostile. Criticising someone else while using the tag is not hostile to the organiser. Answer "
    'with one JSON object only: {"stance": "support"|"neutral"|"hostile", "p_hostile": 0..1, '
    '"sarcasm": 0..1, "sentiment": -1..1, "offensive": 0..1, "reason": "a few words"}.'
)
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
_FENCE = re.compile(r"\{.*\}", re.S)


class LLMError(RuntimeError):
    """The judge gave no usable answer."""


def parse_reply(content: str) -> dict[str, Any]:
    """The JSON object in a model's reply (code fences and chatter around it are ignored)."""
    match = _FENCE.search(content)
    if not match:
        raise LLMError(f"no JSON object in reply: {content[:80]!r}")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise LLMError(f"reply is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise LLMError("reply JSON is not an object")
    return data


def _clamp(value: Any, lo: float, hi: float, default: float) -> float:
    try:
        return min(max(float(value), lo), hi)
    except (TypeError, ValueError):
        return default


def to_verdict(post_id: str, data: dict[str, Any], model: str) -> Verdict:
    """A `Verdict` from the judge's JSON, with every number clamped into range."""
    raw = data.get("stance")
    stance: Stance = raw if raw in ("support", "neutral", "hostile") else "neutral"
    p_hostile = _clamp(data.get("p_hostile"), 0, 1, 0.9 if stance == "hostile" else 0.1)
    sentiment = _clamp(data.get("sentiment"), -1, 1, 0.0)
    label: SentimentLabel = "negative" if sentiment <= -0.25 else "positive" if sentiment >= 0.25 else "neutral"
    return Verdict(
        post_id=post_id, stance=stance, p_hostile=p_hostile,
        p_support=_clamp(data.get("p_support"), 0, 1, 0.9 if stance == "support" else 0.05),
        sarcasm=_clamp(data.get("sarcasm"), 0, 1, 0.0), sentiment=sentiment, sentiment_label=label,
        offensive=_clamp(data.get("offensive"), 0, 1, 0.0), reason=str(data.get("reason", ""))[:200],
        model=f"llm:{model}",
    )


class LLMJudge:
    """Classifier that asks a chat model. Arguments are kept as same-named attributes (see `repr`)."""

    name = "llm"

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000/v1",
        model: str = "default",
        api_key_env: str = "BACKFIRE_LLM_API_KEY",
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        json_mode: bool = True,
        fallback: Classifier | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.json_mode = json_mode
        self.fallback = fallback

    def __repr__(self) -> str:
        return (
            f"LLMJudge(base_url={self.base_url!r}, model={self.model!r}, timeout={self.timeout}, "
            f"retries={self.retries}, json_mode={self.json_mode}, fallback={self.fallback!r})"
        )

    def _request(self, post: Post, campaign: Campaign | None) -> dict[str, Any]:
        about = "the organisation or campaign the post addresses"
        if campaign is not None:
            tags = ", ".join("#" + t for t in campaign.tags) or "none"
            owners = ", ".join("@" + o for o in campaign.owners) or "unknown"
            about = f"campaign tags {tags}, owner {owners}, intent: {campaign.intent or 'not given'}"
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Judge toward {about}.\nAuthor: @{post.author.handle}\nPost: {post.text}"},
            ],
        }
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _ask(self, client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                resp = client.post(f"{self.base_url}/chat/completions", json=body, headers=self._headers())
                if resp.status_code in RETRY_STATUS:
                    raise LLMError(f"HTTP {resp.status_code}")
                resp.raise_for_status()
                return parse_reply(resp.json()["choices"][0]["message"]["content"])
            except (httpx.TransportError, LLMError, KeyError, IndexError, ValueError) as exc:
                last = exc
                if attempt < self.retries:
                    time.sleep(self.backoff * 2**attempt)
        raise LLMError(f"LLM judge at {self.base_url} failed after {self.retries + 1} tries: {last}")

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        out = []
        with httpx.Client(timeout=self.timeout) as client:
            for post in posts:
                try:
                    out.append(to_verdict(post.id, self._ask(client, self._request(post, campaign)), self.model))
                except LLMError as exc:
                    out.append(self._fallback(post, campaign, str(exc)))
        return out

    def _fallback(self, post: Post, campaign: Campaign | None, why: str) -> Verdict:
        if self.fallback is not None:
            return self.fallback.predict_one(post, campaign)
        return Verdict(post_id=post.id, stance="neutral", p_hostile=0.5, p_support=0.0,
                       reason=f"no judgement: {why}"[:200], model=f"llm:{self.model}")
