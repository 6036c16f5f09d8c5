"""The LLM judge against a loopback server that speaks the OpenAI chat-completions protocol."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from backfire.model import Author, Campaign, Post
from backfire.understand import get_classifier
from backfire.understand.backends.llm import LLMError, LLMJudge, parse_reply

CAMPAIGN = Campaign.for_tag("myNYPD", owner="NYPDnews", intent="photos with officers")


class FakeChat(BaseHTTPRequestHandler):
    """Answers POST /v1/chat/completions like an OpenAI-compatible server; scripted by the test."""

    script: ClassVar[list[tuple[int, str]]] = []
    requests: ClassVar[list[dict[str, Any]]] = []
    headers_seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.requests.append(body)
        FakeChat.headers_seen.append(self.headers.get("Authorization", ""))
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        status, content = FakeChat.script.pop(0) if FakeChat.script else (200, '{"stance": "neutral"}')
        payload = {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(payload).encode() if status == 200 else b'{"error": {"message": "busy"}}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def server() -> Iterator[str]:
    FakeChat.script, FakeChat.requests, FakeChat.headers_seen = [], [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def post(text: str) -> Post:
    return Post(id="p1", platform="t", author=Author(handle="someone"), text=text,
                created_at=datetime(2014, 4, 22, 18, tzinfo=UTC))


def test_judge_parses_the_reply(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKFIRE_LLM_API_KEY", "sk-test")
    FakeChat.script = [(200, '```json\n{"stance": "hostile", "p_hostile": 0.93, "sarcasm": 0.8, '
                             '"sentiment": 0.4, "offensive": 0.1, "reason": "praise over a baton"}\n```')]
    judge = get_classifier("llm", base_url=server, model="tiny", backoff=0.0)
    v = judge.predict_one(post("So proud of the baton work #myNYPD"), CAMPAIGN)
    assert (v.stance, v.p_hostile, v.sarcasm, v.sentiment_label) == ("hostile", 0.93, 0.8, "positive")
    assert v.model == "llm:tiny" and v.reason == "praise over a baton"
    req = FakeChat.requests[0]
    assert req["model"] == "tiny" and req["temperature"] == 0
    assert req["response_format"] == {"type": "json_object"}
    assert "#myNYPD" in req["messages"][1]["content"] and "@NYPDnews" in req["messages"][1]["content"]
    assert FakeChat.headers_seen[0] == "Bearer sk-test"


def test_judge_retries_busy_server_and_clamps(server: str) -> None:
    FakeChat.script = [(503, ""), (429, ""), (200, '{"stance": "support", "p_hostile": 7, "sentiment": -3}')]
    v = LLMJudge(base_url=server, backoff=0.0).predict_one(post("nice"), None)
    assert v.stance == "support" and v.p_hostile == 1.0 and v.sentiment == -1.0
    assert len(FakeChat.requests) == 3


def test_judge_falls_back_when_the_answer_is_unusable(server: str) -> None:
    FakeChat.script = [(200, "I cannot answer that.")] * 2
    fallback = get_classifier("baseline")
    v = LLMJudge(base_url=server, retries=1, backoff=0.0, fallback=fallback).predict_one(post("I hate it"), None)
    assert v.model == "baseline-vader" and v.stance == "hostile"
    FakeChat.script = [(200, "no json")] * 2
    v = LLMJudge(base_url=server, retries=1, backoff=0.0).predict_one(post("x"), None)
    assert v.stance == "neutral" and "no judgement" in v.reason


def test_judge_survives_a_dead_server() -> None:
    v = LLMJudge(base_url="http://127.0.0.1:9/v1", retries=0, timeout=1.0).predict_one(post("x"), None)
    assert v.stance == "neutral"


def test_parse_reply_rejects_non_objects() -> None:
    assert parse_reply('Sure! {"stance": "hostile"} hope that helps') == {"stance": "hostile"}
    with pytest.raises(LLMError):
        parse_reply("[1, 2]")
    with pytest.raises(LLMError):
        parse_reply("{not json}")
