"""Commands of the warn area (filled in by the issue that builds it)."""
