"""Plumbing every layer may use, standard library only: the project root (paths), SHA-256 (checksum) and the
processed folder's lock (folder_lock)."""
