"""The campaign page and its JSON twin under concurrent load, and the live update's delay, on loopback.

    python benchmarks/dashboard_load.py --posts 100000 --clients 16 --seconds 30

Builds (once, under bench-out/, as benchmarks/dashboard.py does) a store with `--posts` posts, copies it to
a scratch directory, starts `backfire serve` on 127.0.0.1, logs in, and has `--clients` threads (httpx)
request the campaign page and its `.json` twin in turn for `--seconds`. Prints requests/s and p50/p95/p99
latency per page. Meanwhile another process commits one post every few seconds to the store (as `ingest`
would) and prints the time of its commit; a client listening to the page's `/events` stream records when
the `update` event arrives: the live-update delay is the difference (the browser then fetches the twin).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard import NAME, PASSWORD, build

from backfire.web.pages import encode_name

COMMIT = """
import sys, time
from datetime import UTC, datetime
from backfire.model import Author, Post
from backfire.store import open_store
with open_store(sys.argv[1]) as store:
    for i in range(int(sys.argv[2])):
        time.sleep(float(sys.argv[3]))
        post = Post(id=f"live{i}-{time.time_ns()}", platform="twitter", author=Author(handle="late"),
                    created_at=datetime.now(UTC), text="a late post #myNYPD")
        store.add_posts([post], sys.argv[4])
        print(time.time(), flush=True)
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _login(base: str) -> str:
    """The session's cookie header (the cookie is Secure; httpx would not send it over plain http)."""
    with httpx.Client(base_url=base) as c:
        form = c.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        jar = dict(form.cookies.items())
        r = c.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": token},
                   headers={"cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
        assert r.status_code in (200, 303), r.status_code
        jar.update(r.cookies.items())
        return "; ".join(f"{k}={v}" for k, v in jar.items())


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _listen(base: str, cookie: str, path: str, got: list[float], stop: threading.Event) -> None:
    with httpx.Client(base_url=base, headers={"cookie": cookie}, timeout=None) as c, \
            c.stream("GET", path + "/events") as r:
        for line in r.iter_lines():
            if line.startswith("event: update"):
                got.append(time.time())
            if stop.is_set():
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--commits", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    source = args.out / f"dashboard-{args.posts}-stray.db"
    build(source, args.posts, True)
    scratch = Path(tempfile.mkdtemp(prefix="backfire-load-"))
    db = scratch / "load.db"
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(db)) as dst:
        src.backup(dst)  # a consistent copy, WAL included
    port = _port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "backfire.cli", "serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        cookie = _login(base)
        path = f"/campaigns/{encode_name(NAME)}"
        pages = {"campaign page": path, "JSON twin": path + ".json"}
        with httpx.Client(base_url=base, headers={"cookie": cookie}) as c:
            for url in pages.values():
                assert c.get(url).status_code == 200, url
        times: dict[str, list[float]] = {k: [] for k in pages}
        errors = [0]
        stop = threading.Event()
        events: list[float] = []
        listener = threading.Thread(target=_listen, args=(base, cookie, path, events, stop), daemon=True)
        listener.start()
        time.sleep(1.5)  # the stream's first event says the current version
        events.clear()

        def client(n: int) -> None:
            with httpx.Client(base_url=base, headers={"cookie": cookie}, timeout=30) as c:
                i = n
                while not stop.is_set():
                    label = list(pages)[i % 2]
                    t = time.perf_counter()
                    ok = c.get(pages[label]).status_code == 200
                    times[label].append(time.perf_counter() - t)
                    errors[0] += not ok
                    i += 1

        workers = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        gap = args.seconds / (args.commits + 1)
        committer = subprocess.run([sys.executable, "-c", COMMIT, str(db), str(args.commits), str(gap), NAME],
                                   capture_output=True, text=True, check=True)
        commits = [float(x) for x in committer.stdout.split()]
        time.sleep(max(0.0, args.seconds - (time.perf_counter() - started)))
        stop.set()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        delays = [min((e - c for e in events if e >= c), default=float("nan")) for c in commits]
        out = {"posts": args.posts, "clients": args.clients, "seconds": round(elapsed, 1), "errors": errors[0],
               "pages": {k: {"requests": len(v), "rps": round(len(v) / elapsed, 1),
                             **{f"p{int(q * 100)}_ms": round(_pct(v, q) * 1000, 1) for q in (0.5, 0.95, 0.99)}}
                         for k, v in times.items()},
               "live_update_delay_ms": {"commits": len(commits), "seen": sum(d == d for d in delays),
                                        "p50": round(_pct(delays, 0.5) * 1000, 1),
                                        "max": round(max(delays) * 1000, 1) if delays else None}}
        print(json.dumps(out, indent=1))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # an open event stream can hold uvicorn's graceful shutdown
            server.kill()
            server.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
