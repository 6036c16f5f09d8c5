"""Commands of the understand area (filled in by the issue that builds it)."""
