"""backfire: early warning when a hashtag campaign turns against its organiser."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("backfire")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
