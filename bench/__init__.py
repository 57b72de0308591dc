"""Benchmark harness: synthetic corpus, Refdesk vs SQLite FTS5 and tantivy, load."""
