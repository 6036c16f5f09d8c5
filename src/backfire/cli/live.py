"""Commands of the live area (filled in by the issue that builds it)."""
