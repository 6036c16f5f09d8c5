"""The revisions, oldest first (`0001_baseline` is schema 5 of the earlier, hand-rolled migrations)."""
