"""Exceptions raised when a record cannot become a post.

Every one is a `ValueError`, so callers that only want to skip bad records can catch that. The reader
turns each into a `Quarantined` entry whose reason starts with the exception's `kind`.
"""

from __future__ import annotations


class SourceError(ValueError):
    """A record (or a whole file) that a source cannot read."""

    kind = "invalid record"


class UnknownRecord(SourceError):
    """A well-formed record that is not a post: a delete notice, a like, an account event..."""

    kind = "not a post"


class MissingField(SourceError):
    """A record without a field every post of its format must have."""

    kind = "missing field"

    def __init__(self, field: str | list[str], what: str = "record", hint: str = "") -> None:
        names = [field] if isinstance(field, str) else field
        listed = " and no ".join(repr(n) for n in names)
        super().__init__(f"{what} has no {listed}" + (f" ({hint})" if hint else ""))
        self.field = names[0]
        self.fields = names


class ImpossibleDate(SourceError):
    """A post dated where its platform could not have had it: before the platform began, or in the future."""

    kind = "impossible date"
