"""Backups: scheduled, compressed, age-encrypted, verified by a scratch restore; `flask restore` with the key."""
