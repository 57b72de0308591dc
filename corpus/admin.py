"""The editors' workflow in the Django admin.

Only editors (``corpus.permissions.can_edit``) may change anything; other staff see
read-only pages. Every write goes through ``corpus.services``, which records edited
fields and tag provenance and reindexes search once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    ValidationError,
)
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from corpus import services
from corpus.forms import (
    ArticleAdminForm,
    ArticlePreviewForm,
    ArticleSourceForm,
    BaseParagraphEditFormSet,
    BoundedUploadHandler,
    ParagraphCountryForm,
    ParagraphEditFormSet,
    ParagraphTopicForm,
    TagChoiceForm,
    choice_field,
    max_preview_paragraphs,
    parse_source,
    preview_size_error,
    read_draft,
)
from corpus.models import (
    Article,
    ArticleAuthor,
    Author,
    Country,
    CountryAlias,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    Publication,
    TagChange,
    TagStatus,
    Topic,
)
from corpus.permissions import can_edit

ACTIVE = [TagStatus.AUTO, TagStatus.MANUAL]


# --- Permissions ------------------------------------------------------------------


# The mixins go before a ModelAdmin or an inline, whose methods follow in the MRO;
# the type checker is told so, the runtime class stays a plain mixin.
if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin

    _AdminMixinBase = BaseModelAdmin[Any]
else:
    _AdminMixinBase = object


class EditorOnlyMixin(_AdminMixinBase):
    """Model permissions alone are not enough: the user must also be an editor."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can_edit(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit(request.user) and super().has_delete_permission(request, obj)

    def has_edit_permission(self, request: HttpRequest) -> bool:
        """For actions declared with ``permissions=["edit"]``."""
        return can_edit(request.user)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Showing tags -----------------------------------------------------------------


def _tag_rows(paragraph: Paragraph) -> list[tuple[str, str, str]]:
    """``(label, status, evidence)`` for each tag, from prefetched rows."""
    rows = [
        (tag.country.name, tag.status, tag.evidence)
        for tag in paragraph.country_tags.all()
    ]
    rows += [
        (tag.topic.name, tag.status, tag.evidence) for tag in paragraph.topic_tags.all()
    ]
    return rows


def _tags_html(paragraph: Paragraph) -> str:
    rows = _tag_rows(paragraph)
    if not rows:
        return "—"
    return format_html(
        '<ul class="refdesk-tags">{}</ul>',
        format_html_join(
            "",
            '<li class="refdesk-tag refdesk-tag-{}">{} <small>({}{})</small></li>',
            (
                (
                    status,
                    label,
                    TagStatus(status).label,
                    f": “{evidence}”" if evidence else "",
                )
                for label, status, evidence in rows
            ),
        ),
    )


def _prefetch_tags(queryset: QuerySet[Paragraph]) -> QuerySet[Paragraph]:
    return queryset.prefetch_related("country_tags__country", "topic_tags__topic")


# --- Bulk tag actions -------------------------------------------------------------


def _selected_paragraph_ids(queryset: QuerySet[Any]) -> list[int]:
    if queryset.model is Article:
        return services.article_paragraph_ids(queryset.values_list("pk", flat=True))
    return list(queryset.values_list("pk", flat=True))


def _tag_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    kind: str,
    add: bool,
) -> HttpResponse | None:
    """Choose a tag, see how many paragraphs will change, then confirm."""
    chosen = "tag_value" in request.POST
    form = TagChoiceForm(request.POST if chosen else None, kind=kind)
    paragraph_ids = _selected_paragraph_ids(queryset)
    count = None
    if chosen and form.is_valid():
        value = form.cleaned_data["tag_value"]
        if request.POST.get("confirm") == "yes":
            changed = services.change_tags(
                paragraph_ids,
                kind=kind,
                value=value,
                add=add,
                user=request.user,
                note="admin bulk action",
            )
            verb = "tagged" if add else "untagged"
            modeladmin.message_user(
                request,
                f"{changed} paragraph{pluralize(changed)} changed ({verb}).",
                messages.SUCCESS,
            )
            return None
        count = services.count_tag_changes(
            paragraph_ids, kind=kind, value=value, add=add
        )
    opts = modeladmin.model._meta
    verb = "Add" if add else "Remove"
    tag_label = ""
    summary = ""
    if count is not None:
        # Read back, choices are a list of pairs; the stubs give the setter's type.
        choices = choice_field(form, "tag_value").choices
        tag_label = dict(choices).get(value, value)  # type: ignore[arg-type]
        change = "get it as a manual tag" if add else "lose it (kept as rejected)"
        summary = (
            f"{count} of the {len(paragraph_ids)} "
            f"paragraph{pluralize(len(paragraph_ids))} in the selection will "
            f"change: {'it' if count == 1 else 'they'} {change}."
        )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{verb} a {kind}",
        "opts": opts,
        "form": form,
        "count": count,
        "tag_label": tag_label,
        "tag_value": form.cleaned_data.get("tag_value", "")
        if count is not None
        else "",
        "summary": summary,
        "add": add,
        "kind": kind,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "object_count": queryset.count(),
        "object_name": opts.verbose_name_plural,
        "paragraph_count": len(paragraph_ids),
        "form_url": request.get_full_path(),
        "changelist_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist"
        ),
    }
    return TemplateResponse(request, "admin/corpus/tag_action.html", context)


def _make_tag_action(kind: str, *, add: bool) -> Callable[..., HttpResponse | None]:
    verb = "Add" if add else "Remove"

    @admin.action(permissions=["edit"], description=f"{verb} a {kind}…")
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return _tag_action(modeladmin, request, queryset, kind=kind, add=add)

    action.__name__ = f"{verb.lower()}_{kind}"
    return action


add_country = _make_tag_action("country", add=True)
remove_country = _make_tag_action("country", add=False)
add_topic = _make_tag_action("topic", add=True)
remove_topic = _make_tag_action("topic", add=False)


def _retag_confirmation(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    paragraph_count: int,
    count: int | None,
) -> TemplateResponse:
    """The page that confirms a re-run; ``count`` None means "every paragraph"."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Re-run automatic tagging",
        "opts": opts,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "paragraph_count": paragraph_count,
        "count": count,
        "form_url": request.get_full_path(),
        "changelist_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist"
        ),
    }
    return TemplateResponse(request, "admin/corpus/retag_confirm.html", context)


@admin.action(permissions=["edit"], description="Re-run automatic tagging…")
def retag_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    paragraph_ids = _selected_paragraph_ids(queryset)
    if request.POST.get("confirm") == "yes":
        changed = services.retag(paragraph_ids, user=request.user)
        modeladmin.message_user(
            request,
            f"Automatic tagging re-run: {changed} automatic tags added or removed; "
            "manual and rejected tags kept.",
            messages.SUCCESS,
        )
        return None
    return _retag_confirmation(
        modeladmin,
        request,
        paragraph_count=len(paragraph_ids),
        count=services.count_retag_changes(paragraph_ids),
    )


@admin.action(permissions=["edit"], description="Re-run tagging on all paragraphs…")
def retag_everything(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    if request.POST.get("confirm") == "yes":
        changed = services.retag_articles(None, user=request.user)
        modeladmin.message_user(
            request,
            f"Automatic tagging re-run on all paragraphs: {changed} automatic tags "
            "added or removed; manual and rejected tags kept.",
            messages.SUCCESS,
        )
        return None
    # Counting would cost a full tagging pass over the library, so it is not done.
    return _retag_confirmation(
        modeladmin, request, paragraph_count=Paragraph.objects.count(), count=None
    )


TAG_ACTIONS = [add_country, remove_country, add_topic, remove_topic, retag_selected]


# --- Filters ----------------------------------------------------------------------


class _ActiveTagFilter(admin.SimpleListFilter):
    """Paragraphs (or articles) with an active tag of one country or topic."""

    kind = ""
    prefix = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        if self.kind == "country":
            used = ParagraphCountry.objects.filter(status__in=ACTIVE).values("country")
            return list(Country.objects.filter(pk__in=used).values_list("code", "name"))
        tagged = ParagraphTopic.objects.filter(status__in=ACTIVE).values("topic")
        return list(Topic.objects.filter(pk__in=tagged).values_list("slug", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if self.kind == "country":
            condition = {
                f"{self.prefix}country_tags__country__code": value,
                f"{self.prefix}country_tags__status__in": ACTIVE,
            }
        else:
            condition = {
                f"{self.prefix}topic_tags__topic__slug": value,
                f"{self.prefix}topic_tags__status__in": ACTIVE,
            }
        return queryset.filter(**condition).distinct()


class ParagraphCountryFilter(_ActiveTagFilter):
    title = "country"
    parameter_name = "country"
    kind = "country"


class ParagraphTopicFilter(_ActiveTagFilter):
    title = "topic"
    parameter_name = "topic"
    kind = "topic"


class ArticleCountryFilter(ParagraphCountryFilter):
    prefix = "paragraphs__"


class ArticleTopicFilter(ParagraphTopicFilter):
    prefix = "paragraphs__"


class ProvenanceFilter(admin.SimpleListFilter):
    title = "tags set by editors"
    parameter_name = "provenance"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (TagStatus.MANUAL, "has manual tags"),
            (TagStatus.REJECTED, "has rejected tags"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in (TagStatus.MANUAL, TagStatus.REJECTED):
            return queryset
        return queryset.filter(
            Q(country_tags__status=value) | Q(topic_tags__status=value)
        ).distinct()


class EditedFilter(admin.SimpleListFilter):
    title = "edited by hand"
    parameter_name = "edited"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "yes"), ("no", "no")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.exclude(edited_fields=[])
        if self.value() == "no":
            return queryset.filter(edited_fields=[])
        return queryset


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
        return _prefetch_tags(super().get_queryset(request))

    @admin.display(description="tags (provenance: evidence)")
    def tags(self, paragraph: Paragraph) -> str:
        return _tags_html(paragraph)


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
                "fields": [
                    "edited_fields",
                    "title_derived",
                    "date_estimated",
                    "source_file",
                    "content_hash",
                    "reference_list",
                    "created_at",
                    "updated_at",
                ],
                "description": "Fields listed as edited are kept when the source "
                "file is ingested again.",
            },
        ),
    ]
    readonly_fields = [
        "edited_fields",
        "title_derived",
        "date_estimated",
        "source_file",
        "content_hash",
        "reference_list",
        "created_at",
        "updated_at",
    ]

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


# --- Paragraphs and their tags ----------------------------------------------------


class _ParagraphTagInline(EditorOnlyMixin, admin.TabularInline):
    extra = 1
    can_delete = False
    readonly_fields = ["evidence", "set_by", "set_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ParagraphCountryInline(_ParagraphTagInline):
    model = ParagraphCountry
    form = ParagraphCountryForm
    fields = ["country", "status", "evidence", "set_by", "set_at"]
    autocomplete_fields = ["country"]


class ParagraphTopicInline(_ParagraphTagInline):
    model = ParagraphTopic
    form = ParagraphTopicForm
    fields = ["topic", "status", "evidence", "set_by", "set_at"]


@admin.register(Paragraph)
class ParagraphAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "article_title", "heading", "excerpt", "tags"]
    list_filter = [ParagraphCountryFilter, ParagraphTopicFilter, ProvenanceFilter]
    search_fields = ["text", "heading", "article__title"]
    list_select_related = ["article"]
    actions = TAG_ACTIONS
    inlines = [ParagraphCountryInline, ParagraphTopicInline]
    fields = ["article", "position", "heading", "text"]
    readonly_fields = ["article", "position", "heading", "text"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Paragraph]:
        return _prefetch_tags(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="article", ordering="article__title")
    def article_title(self, paragraph: Paragraph) -> str:
        return Truncator(paragraph.article.title).chars(60)

    @admin.display(description="text")
    def excerpt(self, paragraph: Paragraph) -> str:
        return Truncator(paragraph.text).chars(160)

    @admin.display(description="tags (provenance: evidence)")
    def tags(self, paragraph: Paragraph) -> str:
        return _tags_html(paragraph)

    def save_model(
        self, request: HttpRequest, obj: Paragraph, form: Any, change: bool
    ) -> None:
        """Paragraph fields are read-only here; only its tags change."""

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        kind = "country" if formset.model is ParagraphCountry else "topic"
        paragraph = form.instance
        for tag_form in formset.forms:
            if not tag_form.has_changed() or not tag_form.cleaned_data:
                continue
            target = tag_form.cleaned_data.get(kind) or getattr(tag_form.instance, kind)
            value = target.code if kind == "country" else target.slug
            services.change_tags(
                [paragraph.pk],
                kind=kind,
                value=value,
                add=tag_form.cleaned_data["status"] == TagStatus.MANUAL,
                user=request.user,
                note="paragraph page",
            )
        # The admin's change message reads these; the service did the saving.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )


# --- Tag rows (read-only lists) ---------------------------------------------------


@admin.register(ParagraphCountry)
class ParagraphCountryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["paragraph", "country", "status", "evidence", "set_by", "set_at"]
    list_filter = ["status", "country"]
    search_fields = ["paragraph__text", "evidence", "country__name"]
    list_select_related = ["paragraph", "country", "set_by"]


@admin.register(ParagraphTopic)
class ParagraphTopicAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["paragraph", "topic", "status", "evidence", "set_by", "set_at"]
    list_filter = ["status", "topic"]
    search_fields = ["paragraph__text", "evidence", "topic__name"]
    list_select_related = ["paragraph", "topic", "set_by"]


@admin.register(TagChange)
class TagChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "at",
        "user",
        "kind",
        "tag",
        "before",
        "after",
        "paragraph_link",
        "note",
    ]
    list_filter = ["kind", "after", "before"]
    search_fields = ["value", "note", "user__username"]
    list_select_related = ["user", "paragraph", "paragraph__article"]
    date_hierarchy = "at"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Names for the codes and slugs in the log, read once for the whole page.
        self._names = {
            "country": dict(Country.objects.values_list("code", "name")),
            "topic": dict(Topic.objects.values_list("slug", "name")),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="tag", ordering="value")
    def tag(self, change: TagChange) -> str:
        names = getattr(self, "_names", {}).get(change.kind, {})
        name = names.get(change.value)
        return f"{name} ({change.value})" if name else change.value

    @admin.display(description="paragraph", ordering="paragraph")
    def paragraph_link(self, change: TagChange) -> str:
        paragraph = change.paragraph
        if paragraph is None:
            return "(removed)"
        return format_html(
            '<a href="{}">¶ {} of “{}”</a>',
            reverse("admin:corpus_paragraph_change", args=[paragraph.pk]),
            paragraph.position,
            Truncator(paragraph.article.title).chars(60),
        )


# --- Authors and publications -----------------------------------------------------


@admin.register(Author)
class AuthorAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "article_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Author]:
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, author: Author) -> int:
        return author.article_total  # type: ignore[attr-defined]

    def save_model(
        self, request: HttpRequest, obj: Author, form: Any, change: bool
    ) -> None:
        services.save_author(obj, user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Publication)
class PublicationAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "url"]
    search_fields = ["name"]

    def save_model(
        self, request: HttpRequest, obj: Publication, form: Any, change: bool
    ) -> None:
        services.save_publication(obj, user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Countries, aliases and topics ------------------------------------------------


class CountryAliasInline(ReadOnlyMixin, admin.TabularInline):
    model = CountryAlias
    extra = 0
    fields = ["alias", "case_sensitive"]


@admin.register(Country)
class CountryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """ISO countries are fixed; editors change what matches them via aliases."""

    list_display = ["code", "name", "official_name", "alias_list"]
    search_fields = ["code", "name", "official_name", "aliases__alias"]
    inlines = [CountryAliasInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Country]:
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, country: Country) -> str:
        return ", ".join(alias.alias for alias in country.aliases.all())


@admin.register(CountryAlias)
class CountryAliasAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["alias", "country", "case_sensitive"]
    list_filter = ["case_sensitive"]
    search_fields = ["alias", "country__name", "country__code"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]
    actions = [retag_everything]

    def save_model(
        self, request: HttpRequest, obj: CountryAlias, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            "Aliases take effect when tagging is re-run (action “Re-run tagging on "
            "all paragraphs”).",
            messages.INFO,
        )


@admin.register(Topic)
class TopicAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "rule_count", "paragraph_count"]
    search_fields = ["name", "slug", "description", "rules"]
    prepopulated_fields = {"slug": ["name"]}
    actions = [retag_everything, "delete_selected"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description"]}),
        (
            "Matching rules",
            {
                "fields": ["rules"],
                "description": "One keyword or phrase per line, matched after "
                "stemming (“sanction” also matches “sanctions”). Put a rule in "
                "double quotes to match the exact words. Lines starting with # are "
                "ignored. Rules take effect when tagging is re-run.",
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                paragraph_total=Count(
                    "paragraph_tags", filter=Q(paragraph_tags__status__in=ACTIVE)
                )
            )
        )

    @admin.display(description="rules")
    def rule_count(self, topic: Topic) -> int:
        from corpus.tagging import parse_rules

        return len(parse_rules(topic.rules))

    @admin.display(description="tagged paragraphs", ordering="paragraph_total")
    def paragraph_count(self, topic: Topic) -> int:
        return topic.paragraph_total  # type: ignore[attr-defined]

    def save_model(
        self, request: HttpRequest, obj: Topic, form: Any, change: bool
    ) -> None:
        services.save_topic(obj, changed_fields=form.changed_data, user=request.user)
        if "rules" in form.changed_data:
            self.message_user(
                request,
                "Rules take effect when tagging is re-run (action “Re-run tagging on "
                "all paragraphs”).",
                messages.INFO,
            )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        # A topic's tags go with it even though they cannot be deleted on their own.
        # Both delete pages show this summary, so editors see what of theirs is lost.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        manual = services.count_manual_topic_tags([topic.pk for topic in objs])
        if manual:
            counts["manual tags set by editors (kept in the tag change log)"] = manual
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Topic) -> None:
        services.delete_topics([obj.pk], user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        services.delete_topics(
            list(queryset.values_list("pk", flat=True)), user=request.user
        )
