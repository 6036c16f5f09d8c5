"""The campaigns file of `backfire watch --campaigns FILE`: which campaigns one watch follows.

TOML (an array of `[[campaign]]` tables) or JSON (`{"campaigns": [...]}` or a bare list; a file
named *.json). Each
campaign has a `name`, its `tags` (a list, or one string) and optionally `owner` / `owners`,
`intent`, and its own alert settings `webhook_url`, `slack_webhook`, `smtp_url` (otherwise the
command's flags, environment and config file apply, as for a single campaign). Unknown keys are
refused, so a misspelt setting never silently does nothing.

>>> entries = parse_campaigns('''
... [[campaign]]
... name = "nypd"
... tags = ["myNYPD", "NYPD"]
... owner = "NYPDnews"
... [[campaign]]
... name = "sky"
... tags = "SkyLuxury"
... webhook_url = "http://127.0.0.1:9/hook"
... ''', "toml")
>>> [(e.campaign.name, e.campaign.tags, e.campaign.owners, e.webhook_url) for e in entries]
[('nypd', ['myNYPD', 'NYPD'], ['NYPDnews'], None), ('sky', ['SkyLuxury'], [], 'http://127.0.0.1:9/hook')]
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backfire.model import Campaign

KEYS = frozenset({"name", "tags", "tag", "owner", "owners", "intent", "webhook_url", "slack_webhook", "smtp_url"})


class CampaignsFileError(ValueError):
    """The campaigns file cannot be read or says something we cannot follow."""


@dataclass(frozen=True)
class CampaignEntry:
    """One campaign of the file with its own alert settings (None: the command's settings apply)."""

    campaign: Campaign
    webhook_url: str | None = None
    slack_webhook: str | None = None
    smtp_url: str | None = None


def read_campaigns(path: str | Path) -> list[CampaignEntry]:
    """The campaigns listed in the TOML or JSON file at `path` (JSON when it ends in .json)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CampaignsFileError(f"cannot read the campaigns file {path}: {exc}") from exc
    suffix = path.suffix.lower()
    if suffix in (".json", ".toml"):
        return parse_campaigns(text, suffix[1:], where=str(path))
    try:  # another name: TOML, or JSON when it is not TOML
        return parse_campaigns(text, "toml", where=str(path))
    except CampaignsFileError:
        if text.lstrip()[:1] not in ("{", "["):
            raise
        return parse_campaigns(text, "json", where=str(path))


def parse_campaigns(text: str, kind: str = "toml", where: str = "the campaigns file") -> list[CampaignEntry]:
    """The campaigns of a campaigns file's `text` (`kind` "toml" or "json")."""
    try:
        data: Any = json.loads(text) if kind == "json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise CampaignsFileError(f"{where} is not valid {kind.upper()}: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("campaign", data.get("campaigns"))
    if not isinstance(data, list) or not data:
        raise CampaignsFileError(f"{where} lists no campaign: write [[campaign]] tables (TOML) or "
                                 '{"campaigns": [...]} (JSON)')
    entries = [_entry(item, n, where) for n, item in enumerate(data, 1)]
    names = [e.campaign.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CampaignsFileError(f"{where} names a campaign more than once: {', '.join(twice)}")
    return entries


def _entry(item: Any, n: int, where: str) -> CampaignEntry:
    if not isinstance(item, dict):
        raise CampaignsFileError(f"{where}: campaign {n} is not a table of settings")
    unknown = sorted(set(item) - KEYS)
    if unknown:
        raise CampaignsFileError(f"{where}: campaign {n} has unknown settings {', '.join(unknown)} "
                                 f"(known: {', '.join(sorted(KEYS))})")
    tags = [t.lstrip("#") for t in _strings(item.get("tags", item.get("tag")), "tags", n, where) if t.strip("# ")]
    if not tags:
        raise CampaignsFileError(f"{where}: campaign {n} has no tags to watch")
    name = item.get("name", tags[0])
    if not isinstance(name, str) or not name.strip():
        raise CampaignsFileError(f"{where}: campaign {n} has no usable name")
    owners = _strings(item.get("owners", item.get("owner")), "owners", n, where)
    intent = item.get("intent", "")
    if not isinstance(intent, str):
        raise CampaignsFileError(f"{where}: campaign {n}: intent must be text")
    alerts = {key: _optional(item.get(key), key, n, where) for key in ("webhook_url", "slack_webhook", "smtp_url")}
    return CampaignEntry(Campaign(name=name.strip(), tags=tags, owners=owners, intent=intent), **alerts)


def _strings(value: Any, key: str, n: int, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise CampaignsFileError(f"{where}: campaign {n}: {key} must be text or a list of text")


def _optional(value: Any, key: str, n: int, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CampaignsFileError(f"{where}: campaign {n}: {key} must be text")
    return value
