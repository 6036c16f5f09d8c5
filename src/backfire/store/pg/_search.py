"""What the PostgreSQL store's full-text search reads: a post's text and author folded as SQLite's FTS5
tokenizer (`unicode61`, `remove_diacritics 2`) folds them, so both stores find the same posts.

Diacritics go (canonical decomposition, combining marks dropped) and punctuation becomes a space, so
PostgreSQL's parser sees only words (left alone it reads `<b>` as a tag it skips, `x.org/a` as a URL and
`a-b` as one hyphenated word too). The writer stores the folded text in `posts.search` (a GIN index on its
`to_tsvector('simple', ...)`); queries fold their words the same way.

>>> fold("Café <b>crème</b>: x.org/a_b well-known")
'Cafe  b creme  b   x org a b well known'
"""

from __future__ import annotations

import unicodedata

_CATEGORY = unicodedata.category


def _blank(char: str) -> str:
    kind = _CATEGORY(char)
    if kind[0] in "PSZC":  # punctuation, symbols, separators, controls: word breaks
        return " "
    return "" if kind[0] == "M" else char  # combining marks (diacritics) go


class _Table(dict[int, str]):
    """`str.translate`'s table: each character's folding, worked out on first sight."""

    def __missing__(self, code: int) -> str:
        self[code] = _blank(chr(code))
        return self[code]


_TABLE = _Table()


def fold(text: str) -> str:
    """`text` without diacritics, its punctuation and symbols spaces."""
    return (text if text.isascii() else unicodedata.normalize("NFD", text)).translate(_TABLE)
