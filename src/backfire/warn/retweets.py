"""Retweets written as text: a post "RT @handle: ..." that does not say which post it repeats.

Exports of Twitter data (a CSV from a listening tool, a dataset of tweet texts) often keep a retweet as
a row of its own whose text starts "RT @handle:", with no `repost_of`. Counted as an original, each such
row weighs as a new verdict at its author's full reach, and one critic's cascade looks like a crowd: on
development streams (60 hijacked + 60 calm, real posts, verdicts cached) whose reposts were written
this way, 52% of the calm streams alarmed, against 3.3% with the reposts linked.

`Retweets.link` gives such a post the `repost_of` of the post it repeats: the latest post by @handle
with the same text (compared by `normalise_text`) seen so far. A retweet of a post the stream never
showed stays an original: datasets of tweet texts hold many "RT @x: ..." texts, and a stream assembled
from them gives such texts to original authors. Grouped under a key of their own instead, the real
posts of `benchmarks/detect --texts real` lost the true trigger in 5 of 60 development hijacks.

>>> from datetime import datetime, UTC
>>> from backfire.model import Author
>>> t = datetime(2014, 4, 22, 20, tzinfo=UTC)
>>> links = Retweets()
>>> original = Post(id="1", platform="csv", author=Author(handle="Critic"), created_at=t, text="Such gentle police")
>>> row = Post(id="2", platform="csv", author=Author(handle="fan"), created_at=t, text="RT @critic: Such gentle police")
>>> links.link(original).repost_of, links.link(row).repost_of
(None, '1')
>>> links.link(row.model_copy(update={"text": "RT @someone: never seen"})).repost_of is None
True
>>> quoted = original.model_copy(update={"id": "3", "text": "RT @user: they did it again"})
>>> _ = links.link(quoted)  # a text that itself begins "RT @user:" (common in datasets of tweets)
>>> links.link(row.model_copy(update={"text": "RT @Critic: RT @user: they did it again"})).repost_of
'3'
"""

from __future__ import annotations

import re
from collections import OrderedDict

from backfire.model import Post, normalise_text
from backfire.warn.reach import bound

_RETWEET = re.compile(r"^\s*RT @(\w+):", re.IGNORECASE)


class Retweets:
    """Links retweets written as text to the post they repeat (see the module doc); remembers the
    `limit` latest originals."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self.originals: OrderedDict[tuple[str, str], str] = OrderedDict()  # (author, text key) -> post id

    def link(self, post: Post) -> Post:
        """`post`, with `repost_of` filled in when it is a retweet written as text."""
        return self.read(post)[0]

    def read(self, post: Post) -> tuple[Post, str]:
        """`post` linked as `link` does, and the cluster it belongs to for measuring how clustered the
        evidence is (`structure.py`): the post it reposts, else for a retweet row of a post never seen the
        retweeted account and text (rows repeating one unseen post are one cluster), else its own id.

        >>> from datetime import datetime, UTC
        >>> from backfire.model import Author
        >>> Retweets().read(Post(id="9", platform="csv", author=Author(handle="a"),
        ...                      created_at=datetime(2014, 4, 22, tzinfo=UTC), text="RT @Critic: Such  gentle"))[1]
        'rt:critic:such gentle'
        """
        if post.repost_of is not None:
            return post, post.repost_of
        if not post.text:
            return post, post.id
        found = _RETWEET.match(post.text)
        if found is None:
            self._remember((post.author.handle.casefold(), normalise_text(post.text)), post.id)  # an original
            return post, post.id
        # what follows the row's own prefix, read as the original's text is (which may itself begin "RT @y:")
        key = (found.group(1).casefold(), normalise_text(post.text[found.end():]))
        original = self.originals.get(key)
        if original:
            return post.model_copy(update={"repost_of": original}), original
        self._remember((post.author.handle.casefold(), normalise_text(post.text)), post.id)  # an original
        return post, f"rt:{key[0]}:{key[1]}"

    def _remember(self, key: tuple[str, str], post_id: str) -> None:
        self.originals[key] = post_id
        self.originals.move_to_end(key)
        bound(self.originals, self.limit)
