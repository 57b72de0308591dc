from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Publication(models.Model):
    name = models.CharField(max_length=200, unique=True)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=200, unique=True)
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    # Names of the fields an editor changed by hand; ingest leaves those alone.
    EDITABLE_FIELDS = (
        "title",
        "dek",
        "section",
        "publication",
        "authors",
        "date",
        "year",
        "source_url",
    )

    title = models.CharField(max_length=500)
    title_derived = models.BooleanField(
        default=False,
        help_text="Ticked when the source had no title line and the title was made "
        "from the opening sentence; worth a look.",
    )
    dek = models.TextField("standfirst", blank=True)
    section = models.CharField(max_length=200, blank=True)
    publication = models.ForeignKey(
        Publication,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    authors = models.ManyToManyField(
        Author, through="ArticleAuthor", related_name="articles", blank=True
    )
    date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    date_estimated = models.BooleanField(
        default=False, help_text="The year was inferred from the text, not stated."
    )
    source_file = models.CharField(max_length=255, unique=True, null=True, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    references = models.JSONField(default=list, blank=True)
    edited_fields = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("search:article", args=[self.pk])

    def ordered_authors(self) -> list[Author]:
        return [link.author for link in self.author_links.select_related("author")]


class ArticleAuthor(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="author_links"
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="article_links"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author"], name="unique_article_author"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.article}"


class Paragraph(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="paragraphs"
    )
    position = models.PositiveIntegerField(help_text="1-based order in the article.")
    text = models.TextField()
    heading = models.CharField(max_length=500, blank=True)
    countries: models.ManyToManyField[Country, ParagraphCountry] = (
        models.ManyToManyField(
            "Country", through="ParagraphCountry", related_name="paragraphs", blank=True
        )
    )
    topics: models.ManyToManyField[Topic, ParagraphTopic] = models.ManyToManyField(
        "Topic", through="ParagraphTopic", related_name="paragraphs", blank=True
    )

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="unique_paragraph_position"
            )
        ]

    def __str__(self) -> str:
        # Admin messages and the audit log name paragraphs this way.
        title = self.article.title
        short = title if len(title) <= 60 else title[:57].rstrip() + "…"
        return f"{short} ¶ {self.position}"

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#p-{self.position}"


class Country(models.Model):
    code = models.CharField("ISO code", max_length=2, unique=True)
    name = models.CharField(max_length=200, help_text="Familiar short name.")
    official_name = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return self.name


class CountryAlias(models.Model):
    """Extra names that point to a country: demonyms, capitals, metonyms."""

    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="aliases"
    )
    alias = models.CharField(max_length=200, unique=True)
    case_sensitive = models.BooleanField(
        default=False, help_text="Match only with this exact capitalisation (e.g. US)."
    )

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "country aliases"

    def __str__(self) -> str:
        return f"{self.alias} → {self.country}"


class Topic(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    rules = models.TextField(
        blank=True,
        help_text="One keyword or phrase per line; matched after stemming.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TagStatus(models.TextChoices):
    AUTO = "auto", "automatic"
    MANUAL = "manual", "set by an editor"
    REJECTED = "rejected", "removed by an editor"


class ParagraphTag(models.Model):
    """Provenance shared by both kinds of paragraph tag."""

    status = models.CharField(
        max_length=10, choices=TagStatus.choices, default=TagStatus.AUTO
    )
    evidence = models.CharField(
        max_length=500, blank=True, help_text="The text that matched, for auto tags."
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status != TagStatus.REJECTED


class ParagraphCountry(ParagraphTag):
    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.CASCADE, related_name="country_tags"
    )
    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="paragraph_tags"
    )

    class Meta:
        verbose_name = "paragraph country tag"
        constraints = [
            models.UniqueConstraint(
                fields=["paragraph", "country"], name="unique_paragraph_country"
            )
        ]
        indexes = [models.Index(fields=["country", "status"])]

    def __str__(self) -> str:
        return f"{self.paragraph} {self.country} ({self.status})"


class ParagraphTopic(ParagraphTag):
    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.CASCADE, related_name="topic_tags"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="paragraph_tags"
    )

    class Meta:
        verbose_name = "paragraph topic tag"
        constraints = [
            models.UniqueConstraint(
                fields=["paragraph", "topic"], name="unique_paragraph_topic"
            )
        ]
        indexes = [models.Index(fields=["topic", "status"])]

    def __str__(self) -> str:
        return f"{self.paragraph} {self.topic} ({self.status})"


class TagChange(models.Model):
    """Audit log: one row per tag change made by a person or by re-tagging."""

    KIND_CHOICES = [("country", "country"), ("topic", "topic")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    paragraph = models.ForeignKey(
        Paragraph, null=True, on_delete=models.SET_NULL, related_name="tag_changes"
    )
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    value = models.CharField(max_length=100, help_text="Country code or topic slug.")
    before = models.CharField(max_length=10, blank=True)
    after = models.CharField(max_length=10, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value} {self.before or '-'} → {self.after or '-'}"
