"""Live watching: Bluesky Jetstream and Mastodon hashtag streams that never lose a post.

`watch(source, store, campaign)` runs a `Watcher` until it is stopped (signal, `max_events`,
`idle_exit`); posts and the stream cursor are committed together, so a restart resumes exactly.
`watch_many(shared_source(...), store, lanes)` follows many campaigns over one connection, each
campaign with its own cursor, pipeline and alerts (`live.many`, `live.shared`).

>>> from backfire.live import JetstreamSource
>>> JetstreamSource(["myNYPD"], campaign="nypd").cursor_name
'jetstream:nypd'
"""

from __future__ import annotations

from backfire.live.base import Decoded, Malformed, StreamSource, WatchError, WatchStats
from backfire.live.batch import Backoff
from backfire.live.jetstream import JETSTREAM_URL, JetstreamSource
from backfire.live.many import Lane, ManyStats, ManyWatcher, pipeline_lane, watch_many
from backfire.live.mastodon import MastodonSource
from backfire.live.runner import Watcher, watch
from backfire.live.shared import SharedJetstream, SharedMastodon, shared_source

__all__ = [
    "JETSTREAM_URL",
    "Backoff",
    "Decoded",
    "JetstreamSource",
    "Lane",
    "Malformed",
    "ManyStats",
    "ManyWatcher",
    "MastodonSource",
    "SharedJetstream",
    "SharedMastodon",
    "StreamSource",
    "WatchError",
    "WatchStats",
    "Watcher",
    "pipeline_lane",
    "shared_source",
    "watch",
    "watch_many",
]
