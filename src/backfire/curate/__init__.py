"""Curate: a queue of genuinely supportive posts that are safe to feature, with reviewers' decisions.

`select` says which posts are candidates (and why the others are not), `queue` keeps the queue in the
store (refresh, decide, correct, with an audit log), `export` writes the approved set.
"""

from backfire.curate.export import export_approved
from backfire.curate.queue import STATES, CurationError, active_alarm, correct, decide, refresh
from backfire.curate.select import Rules, select

__all__ = ["STATES", "CurationError", "Rules", "active_alarm", "correct", "decide", "export_approved", "refresh",
           "select"]
