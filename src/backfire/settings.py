"""Every setting of backfire, declared once.

One declaration drives the command-line flag, the environment variable (`BACKFIRE_<NAME>`), the config
file key, `--help` and `docs/settings.md`. Precedence: flag > environment > config file > default.

The config file is TOML: `$BACKFIRE_CONFIG` if set, else `./backfire.toml`, else
`~/.config/backfire/config.toml`; keys are setting names (`db = "campaign.db"`).

>>> DB.envvar
'BACKFIRE_DB'
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import typer


@dataclass(frozen=True)
class Setting:
    """A named setting with its default and one line of help."""

    name: str
    default: Any
    help: str
    secret: bool = False  # a URL with credentials: shown redacted (`backfire.redact`)
    aliases: tuple[str, ...] = ()  # other names (flag, env, config key), read before the setting's own

    @property
    def envvar(self) -> str:
        return "BACKFIRE_" + self.name.upper().replace("-", "_")

    @property
    def names(self) -> tuple[str, ...]:
        """The names it is read under, first found wins: its aliases, then its own name."""
        return (*self.aliases, self.name)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def resolve(self, flag_value: Any = None) -> Any:
        """The value in force: the flag if given, else env, else config file, else the default."""
        if flag_value is not None:
            return flag_value
        for name in self.names:
            env = os.environ.get("BACKFIRE_" + name.upper().replace("-", "_"))
            if env is not None:
                return _coerce(env, self.default)
        for name in self.names:
            file_value = config_values().get(name)
            if file_value is not None:
                return file_value
        return self.default

    def shown(self, value: Any) -> Any:
        """`value` as it may be printed: a secret setting's credentials replaced by `***`."""
        from backfire.redact import redact_url

        return redact_url(value) if self.secret and isinstance(value, str) else value

    def option(self, *decls: str, **kwargs: Any) -> Any:
        """A Typer option for this setting (its value is None when the flag is absent: call `resolve`)."""
        envs = " or ".join("BACKFIRE_" + n.upper().replace("-", "_") for n in self.names)
        help_text = f"{self.help} [env {envs}; default: {self.default!r}]"
        aliases = ["--" + a.replace("_", "-") for a in self.aliases]
        return typer.Option(None, self.flag, *aliases, *decls, help=help_text, show_default=False, **kwargs)


SETTINGS: dict[str, Setting] = {}


def declare(name: str, default: Any, help: str, secret: bool = False, aliases: tuple[str, ...] = ()) -> Setting:
    """Declare a setting; declaring the same name twice with other values is an error. A `secret` setting's
    value is never printed whole (`Setting.shown`); `aliases` are further names for it (flag, env, config)."""
    setting = Setting(name, default, help, secret, aliases)
    known = SETTINGS.get(name)
    if known is not None and known != setting:
        raise ValueError(f"setting {name!r} declared twice with different values")
    SETTINGS[name] = setting
    return setting


def config_path() -> Path | None:
    """The config file in force, if any."""
    explicit = os.environ.get("BACKFIRE_CONFIG")
    if explicit:
        return Path(explicit)
    for candidate in (Path("backfire.toml"), Path.home() / ".config" / "backfire" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=8)
def _read_config(path: str, mtime: float) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def config_values() -> dict[str, Any]:
    path = config_path()
    if path is None or not path.is_file():
        return {}
    return _read_config(str(path), path.stat().st_mtime)


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def as_markdown() -> str:
    """The settings table that `docs/settings.md` carries (kept honest by a test)."""
    lines = ["| setting | flag | environment | default | meaning |", "|---|---|---|---|---|"]
    for s in sorted(SETTINGS.values(), key=lambda s: s.name):
        flags = " ".join(f"`--{n.replace('_', '-')}`" for n in (s.name, *s.aliases))
        envs = " ".join(f"`BACKFIRE_{n.upper().replace('-', '_')}`" for n in s.names)
        lines.append(f"| `{s.name}` | {flags} | {envs} | `{s.default!r}` | {s.help} |")
    return "\n".join(lines) + "\n"


DB = declare("db", "backfire.db", "Where the store is: a SQLite file (one file, WAL; the default) or the URL of "
             "a PostgreSQL database, postgresql://user@host:5432/dbname (the shared store for scale-out). Also "
             "--store, BACKFIRE_STORE and the config key `store`, which win over BACKFIRE_DB and `db`.",
             secret=True, aliases=("store",))
MODEL = declare("model", "default", "Classifier to use: default, baseline, or a registered plugin.")
DETECTOR = declare("detector", "default", "Detector to use: default, or a registered plugin / baseline.")
REPORT_DIR = declare("report_dir", "backfire-report", "Folder where `report` and `demo` write HTML.")
HOST = declare("host", "127.0.0.1", "Address the dashboard listens on.")
PORT = declare("port", 8008, "Port the dashboard listens on.")
WEBHOOK_URL = declare("webhook_url", "", "Send alarms as JSON POSTs to this URL.", secret=True)
SLACK_WEBHOOK = declare("slack_webhook", "", "Send alarms to this Slack incoming-webhook URL.", secret=True)
SMTP_URL = declare("smtp_url", "", "Send alarms by e-mail: smtp://user:pass@host:port?from=a@x&to=b@y.",
                   secret=True)
ALERT_WAIT = declare("alert_wait", 15.0, "Seconds a command waits at its end for alarms still being delivered "
                     "(deliveries run beside the pipeline, never in its way); what is not out by then is "
                     "reported as pending.")
FALSE_ALARMS = declare("false_alarms", 0.1, "Default detector: expected false alarms per day of a calm campaign "
                       "(sets its thresholds).")
DESIGN_EFFECT = declare("design_effect", 2.4, "Default detector: how far a cascade repeats one verdict (>= 1), "
                        "at most (a stream whose calm posts come in small clusters earns less), set so that "
                        "calm streams read by the shipped classifier alarm at the false-alarm rate; the "
                        "detector scales it by how unsure the classifier is (benchmarks/detect --calibrate "
                        "--classifier NAME --texts real --hours 8 --controls 200 --option design_effect=1 "
                        "--option structure_effect=100 measures it for another classifier).")
CURATE_MAX_HOSTILE = declare("curate_max_hostile", 0.2, "Curation: the highest p_hostile a post may have to join "
                             "the queue (it must also read as support, not sarcastic, not offensive).")
CURATE_HOLD_HOURS = declare("curate_hold_hours", 6.0, "Curation: while an alarm is this recent (hours before the "
                            "campaign's latest post), new candidates are held, not offered.")
ALLOWED_HOSTS = declare("allowed_hosts", "", "Dashboard: Host header names accepted besides loopback and --host "
                        "(comma-separated; e.g. the name a reverse proxy serves it under).")
SECURE_COOKIES = declare("secure_cookies", True, "Dashboard: mark the session cookie Secure (browsers then send it "
                         "over HTTPS and to localhost only).")
SESSION_HOURS = declare("session_hours", 12.0, "Dashboard: how long a login lasts.")
ENGINE = declare("engine", "in-process", "Where ingest, classify and analyze run: in-process (one process) or ray "
                 "(Ray, installed with `pip install 'backfire[scale]'`).")
RAY_ADDRESS = declare("ray_address", "", "--engine ray: the Ray cluster to join (ray://host:10001, host:6379 or auto); "
                      "empty starts a local Ray on this machine for the run and stops it after.")
WORKERS = declare("workers", 0, "--engine ray: classifier actors and parallel file readers (0: one per CPU Ray has).")
