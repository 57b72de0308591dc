"""Articles: the change list, the change form and Add article."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    ValidationError,
)
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from corpus import services
from corpus.admin.actions import TAG_ACTIONS
from corpus.admin.common import EditorOnlyMixin, prefetch_tags, tags_html
from corpus.admin.filters import ArticleCountryFilter, ArticleTopicFilter, EditedFilter
from corpus.forms import (
    ArticleAdminForm,
    ArticlePreviewForm,
    ArticleSourceForm,
    BaseParagraphEditFormSet,
    BoundedUploadHandler,
    ParagraphEditFormSet,
    max_preview_paragraphs,
    parse_source,
    preview_size_error,
    read_draft,
)
from corpus.models import (
    Article,
    ArticleAuthor,
    Paragraph,
)

# --- Articles ---------------------------------------------------------------------


class ArticleAuthorInline(EditorOnlyMixin, admin.TabularInline):
    model = ArticleAuthor
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["position", "author"]
    ordering = ["position"]


class ParagraphInline(EditorOnlyMixin, admin.TabularInline):
    """Paragraph text comes from the source file; tags are edited per paragraph."""

    model = Paragraph
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["position", "heading", "text", "tags"]
    readonly_fields = ["position", "heading", "text", "tags"]
    ordering = ["position"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Paragraph]:
        return prefetch_tags(super().get_queryset(request))

    @admin.display(description="tags (provenance: evidence)")
    def tags(self, paragraph: Paragraph) -> str:
        return tags_html(paragraph)


# What ingest and the database record about an article's source: shown, never edited.
SOURCE_FIELDS: tuple[str, ...] = (
    "edited_fields",
    "title_derived",
    "date_estimated",
    "source_file",
    "content_hash",
    "reference_list",
    "created_at",
    "updated_at",
)


@admin.register(Article)
class ArticleAdmin(EditorOnlyMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "author_names",
        "publication",
        "year",
        "paragraph_count",
        "edited",
        "updated_at",
    ]
    list_filter = [
        "year",
        "publication",
        ArticleCountryFilter,
        ArticleTopicFilter,
        EditedFilter,
        "title_derived",
        "date_estimated",
    ]
    search_fields = ["title", "dek", "author_links__author__name", "source_file"]
    list_select_related = ["publication"]
    autocomplete_fields = ["publication"]
    date_hierarchy = "date"
    actions = [*TAG_ACTIONS, "delete_selected"]
    inlines = [ArticleAuthorInline, ParagraphInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "dek",
                    "section",
                    "publication",
                    "date",
                    "year",
                    "source_url",
                ]
            },
        ),
        (
            "Source",
            {
                "fields": SOURCE_FIELDS,
                "description": "Fields listed as edited are kept when the source "
                "file is ingested again.",
            },
        ),
    ]
    readonly_fields = SOURCE_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .annotate(paragraph_total=Count("paragraphs", distinct=True))
            .prefetch_related("author_links__author")
        )

    @admin.display(description="authors")
    def author_names(self, article: Article) -> str:
        return ", ".join(link.author.name for link in article.author_links.all())

    @admin.display(description="paragraphs", ordering="paragraph_total")
    def paragraph_count(self, article: Article) -> int:
        return article.paragraph_total  # type: ignore[attr-defined]

    @admin.display(description="edited", boolean=True)
    def edited(self, article: Article) -> bool:
        return bool(article.edited_fields)

    @admin.display(description="references")
    def reference_list(self, article: Article) -> str:
        if not article.references:
            return "—"
        return format_html(
            "<ol>{}</ol>",
            format_html_join("", "<li>{}</li>", ((ref,) for ref in article.references)),
        )

    def save_model(
        self, request: HttpRequest, obj: Article, form: Any, change: bool
    ) -> None:
        services.save_article_edits(
            obj, changed_fields=form.changed_data, user=request.user
        )

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        authors_changed = any(
            formset.model is ArticleAuthor and formset.has_changed()
            for formset in formsets
        )
        if authors_changed:
            services.save_article_edits(
                form.instance, changed_fields=["authors"], user=request.user
            )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        # Paragraphs and tags belong to their article; deleting it may remove them
        # even though they cannot be deleted on their own.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        services.delete_articles([obj.pk], user=request.user)

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[Article]
    ) -> None:
        services.delete_articles(
            list(queryset.values_list("pk", flat=True)), user=request.user
        )

    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return redirect("admin:corpus_article_add_from_text")

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "add-from-text/",
                self.admin_site.admin_view(self.add_from_text_view),
                name="corpus_article_add_from_text",
            ),
            *super().get_urls(),
        ]

    @method_decorator(csrf_exempt)
    def add_from_text_view(self, request: HttpRequest) -> HttpResponse:
        # Uploads must stay in memory and within the limit; the handlers can only be
        # swapped before CSRF checking reads the body, so CSRF is checked after.
        request.upload_handlers = [BoundedUploadHandler(request)]
        try:
            request.POST  # noqa: B018 - read here, where a refusal can be explained
        except (RequestDataTooBig, TooManyFieldsSent):
            self.message_user(
                request,
                "The form was too large to send. Articles of up to "
                f"{settings.REFDESK_MAX_FILE_BYTES // 2**20} MB and "
                f"{max_preview_paragraphs():,} paragraphs can be added here; "
                "ingest larger ones with manage.py ingest.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:corpus_article_add_from_text"))
        return csrf_protect(self._add_from_text)(request)

    def _add_from_text(self, request: HttpRequest) -> HttpResponse:
        """Step 1 reads pasted text or a file; step 2 shows the parse and saves."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        source_form = ArticleSourceForm()
        preview_form = None
        paragraph_formset = None
        dropped: list[Any] = []
        source = None
        if request.method == "POST" and "restore_blocks" in request.POST:
            try:
                source = read_draft(
                    request.POST.get("draft", ""),
                    restore=request.POST.getlist("restore"),
                )
                parsed = parse_source(source)
            except ValidationError as error:
                source_form.add_error(None, error)
                source = None
        elif request.method == "POST" and request.POST.get("step") == "save":
            preview_form = ArticlePreviewForm(request.POST)
            paragraph_formset = ParagraphEditFormSet(request.POST)
            if preview_form.is_valid() and paragraph_formset.is_valid():
                return self._save_added_article(
                    request, preview_form=preview_form, formset=paragraph_formset
                )
        elif request.method == "POST":
            source_form = ArticleSourceForm(request.POST, request.FILES)
            if source_form.is_valid():
                parsed = source_form.cleaned_data["parsed"]
                source = source_form.cleaned_data["source"]
        if source is not None:
            previews = services.preview_paragraphs(parsed)
            too_large = preview_size_error(previews)
            if too_large:
                source_form.add_error(None, too_large)
            else:
                preview_form = ArticlePreviewForm(
                    initial=ArticlePreviewForm.initial_for(
                        parsed, draft=source.save_draft()
                    )
                )
                paragraph_formset = ParagraphEditFormSet(
                    initial=ParagraphEditFormSet.initial_for(previews)
                )
                dropped = source.document.dropped
        context = {
            **self.admin_site.each_context(request),
            "title": "Add an article",
            "opts": self.model._meta,
            "source_form": source_form,
            "preview_form": preview_form,
            "paragraph_formset": paragraph_formset,
            "dropped_blocks": dropped,
            "form_url": reverse("admin:corpus_article_add_from_text"),
        }
        return TemplateResponse(
            request, "admin/corpus/article/add_from_text.html", context
        )

    def _save_added_article(
        self,
        request: HttpRequest,
        *,
        preview_form: ArticlePreviewForm,
        formset: BaseParagraphEditFormSet,
    ) -> HttpResponse:
        data = preview_form.cleaned_data
        article = services.create_article_from_parsed(
            data["parsed"],
            source_file=services.upload_source_name(
                data["source_name"], text=data["text"]
            ),
            user=request.user,
            text=data["text"],
            corrections=preview_form.corrections(),
            paragraphs=formset.edits(),
            **preview_form.added_tags(),
        )
        paragraphs = article.paragraphs.count()
        self.message_user(
            request,
            f"Added “{article.title}” with {paragraphs} "
            f"paragraph{pluralize(paragraphs)}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:corpus_article_change", args=[article.pk])
        )
