"""HTML views of the coverage map and of similar paragraphs."""

from __future__ import annotations
