"""The editors' workflow in the Django admin.

Only editors (``corpus.permissions.can_edit``) may change anything; other staff see
read-only pages. Every write goes through ``corpus.services``, which records edited
fields and tag provenance and reindexes search once the transaction commits.

Each module registers its own models; importing them here is what registers them.
"""

from corpus.admin import articles, paragraphs, vocabulary

__all__ = ["articles", "paragraphs", "vocabulary"]
