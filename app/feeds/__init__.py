"""Change feeds: what lets another system sync incrementally (updated_at that moves, tombstones for deletions)."""
