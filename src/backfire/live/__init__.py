"""Live watching: Bluesky Jetstream and Mastodon hashtag streams that never lose a post.

`watch(source, store, campaign)` runs a `Watcher` until it is stopped (signal, `max_events`,
`idle_exit`); posts and the stream cursor are committed together, so a restart resumes exactly.

>>> from backfire.live import JetstreamSource
>>> JetstreamSource(["myNYPD"], campaign="nypd").cursor_name
'jetstream:nypd'
"""

from __future__ import annotations

from backfire.live.base import Decoded, Malformed, StreamSource, WatchError, WatchStats
from backfire.live.batch import Backoff
from backfire.live.jetstream import JETSTREAM_URL, JetstreamSource
from backfire.live.mastodon import MastodonSource
from backfire.live.runner import Watcher, watch

__all__ = [
    "JETSTREAM_URL",
    "Backoff",
    "Decoded",
    "JetstreamSource",
    "Malformed",
    "MastodonSource",
    "StreamSource",
    "WatchError",
    "WatchStats",
    "Watcher",
    "watch",
]
