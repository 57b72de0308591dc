"""The analyst's own records: collections of paragraphs and saved searches.

Items and watches keep paragraph ids as plain numbers, not foreign keys: a removed
paragraph must leave its item (shown from the snapshot) rather than delete it or point
it at another row. Paragraph ids are never reused, so an id names one paragraph for
good, and a higher id is a paragraph added later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Sharing(models.TextChoices):
    PRIVATE = "private", "private"
    READ = "read", "team can read"
    EDIT = "edit", "team can edit"


class Collection(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    sharing = models.CharField(
        max_length=10, choices=Sharing.choices, default=Sharing.PRIVATE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("search:collection", args=[self.pk])


class CollectionItem(models.Model):
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="items"
    )
    paragraph_id = models.PositiveBigIntegerField(db_index=True)
    position = models.PositiveIntegerField()
    # Title, authors, year, publication, source URL, locator and the quoted text with
    # a little context, as they were when the item was added.
    snapshot = models.JSONField(default=dict)
    note = models.TextField(blank=True, help_text="Markdown.")
    # Fixed when the item is added so an exported key never changes afterwards.
    citation_key = models.CharField(max_length=100)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "paragraph_id"], name="unique_collection_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}: paragraph {self.paragraph_id}"


class Frequency(models.TextChoices):
    NONE = "none", "no email"
    DAILY = "daily", "daily"
    WEEKLY = "weekly", "weekly"


class SavedSearch(models.Model):
    STATE_VERSION = 1

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    name = models.CharField(max_length=200)
    # {"v": 1, "params": [[name, value], ...]} with ISO codes and topic slugs.
    state = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    # The highest paragraph id when the search was saved: the feed starts after it.
    start_watermark = models.PositiveBigIntegerField(default=0)
    # The highest paragraph id when the owner last opened the search.
    seen_watermark = models.PositiveBigIntegerField(default=0)
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.NONE
    )
    watch_feed = models.BooleanField(default=False)
    feed_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The highest paragraph id before the last digest's search ran.
    sent_watermark = models.PositiveBigIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    broken_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "saved searches"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("search:saved_search", args=[self.pk])

    @property
    def is_watch(self) -> bool:
        return self.frequency != Frequency.NONE or self.watch_feed


class SentParagraph(models.Model):
    """A paragraph a watch has already delivered; it is never delivered again."""

    saved_search = models.ForeignKey(
        SavedSearch, on_delete=models.CASCADE, related_name="sent"
    )
    paragraph_id = models.PositiveBigIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "paragraph_id"], name="unique_sent_paragraph"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id}: paragraph {self.paragraph_id}"
