"""HTML views of the search page, the article reader and their partials.

Each view parses its input, calls one function and renders. ``request.htmx`` only
chooses between the full page and the partial that the full page includes.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from corpus.models import Article, Paragraph
from search.citations import bibtex_entry, ris_record
from search.export import FORMATS, build_export, cited_work
from search.pages import (
    VERBATIM_PARAM,
    build_cite,
    build_context,
    build_reader,
    build_search_view,
    reader_state,
    reader_url,
    search_path,
    search_with_correction,
    without_empty_params,
)
from search.query import SearchRequest


def _partial(request: HttpRequest) -> bool:
    """A partial for htmx swaps; a full page for plain loads and history restores."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def _render(
    request: HttpRequest, *, full: str, partial: str, context: Mapping[str, object]
) -> HttpResponse:
    response = render(request, partial if _partial(request) else full, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _can_edit(request: HttpRequest) -> bool:
    # Imported here so the search page keeps working while the editor app changes.
    from corpus.permissions import can_edit

    return can_edit(request.user)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    # A plain form submits every field, "year_to=" included; the address keeps only
    # what was filled in, so it can be read, shared and bookmarked.
    cleaned = without_empty_params(request.GET.lists())
    if cleaned is not None and not _partial(request):
        return redirect(search_path() + cleaned)
    page, corrected_from = search_with_correction(
        SearchRequest.from_querydict(request.GET),
        verbatim=request.GET.get(VERBATIM_PARAM) == "1",
    )
    view = build_search_view(
        page,
        raw_params=request.GET.dict().items(),
        edit_allowed=_can_edit(request),
        next_url=request.get_full_path(),
        corrected_from=corrected_from,
    )
    context = {"page": view.page, "view": view}
    return _render(
        request, full="search/search.html", partial="search/_swap.html", context=context
    )


@require_safe
def article(request: HttpRequest, pk: int) -> HttpResponse:

    found = get_object_or_404(Article.objects.select_related("publication"), pk=pk)
    state = reader_state(request.GET)
    reader = build_reader(found, state=state, base_url=_base_url(request))
    context = {"reader": reader, "header_query": reader.query}
    return render(request, "search/article.html", context)


@require_safe
def paragraph_context(request: HttpRequest, pk: int) -> HttpResponse:

    paragraph = get_object_or_404(Paragraph.objects.select_related("article"), pk=pk)
    context = build_context(paragraph, state=reader_state(request.GET))
    return _render(
        request,
        full="search/context.html",
        partial="search/_context.html",
        context={"context": context},
    )


@require_safe
def paragraph_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    """A paragraph's stable link: its id survives edits and re-ingest, where its
    position (the reader's ``#p-N``) may shift; this sends the reader there now."""
    paragraph = get_object_or_404(
        Paragraph.objects.only("article_id", "position"), pk=pk
    )
    return redirect(
        reader_url(
            paragraph.article_id,
            state=reader_state(request.GET),
            position=paragraph.position,
        )
    )


@require_safe
def cite(request: HttpRequest, pk: int, position: int) -> HttpResponse:

    paragraph = get_object_or_404(
        Paragraph.objects.select_related("article__publication"),
        article_id=pk,
        position=position,
    )
    cited = build_cite(
        paragraph, state=reader_state(request.GET), base_url=_base_url(request)
    )
    context = {"cite": cited}
    return _render(
        request, full="search/cite.html", partial="search/_cite.html", context=context
    )


@require_safe
def article_citation(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in {"bib", "ris"}:
        raise Http404("Unknown citation format.")
    found = get_object_or_404(Article.objects.select_related("publication"), pk=pk)
    work = cited_work(found, base_url=_base_url(request))
    text = bibtex_entry(work) + "\n" if fmt == "bib" else ris_record(work) + "\r\n"
    response = HttpResponse(text, content_type=FORMATS[fmt].content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="refdesk-article-{found.pk}.{fmt}"'
    )
    return response


@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    exported = build_export(
        SearchRequest.from_querydict(request.GET), fmt=fmt, base_url=_base_url(request)
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["X-Export-Rows"] = str(exported.rows)
    response["X-Export-Truncated"] = "true" if exported.truncated else "false"
    return response


@require_safe
def opensearch(request: HttpRequest) -> HttpResponse:
    base = _base_url(request)
    context = {
        "search_template": f"{base}/?q={{searchTerms}}",
        "search_form_url": f"{base}/",
        "icon_url": request.build_absolute_uri(static("img/favicon.svg")),
    }
    return render(
        request,
        "search/opensearch.xml",
        context,
        content_type="application/opensearchdescription+xml",
    )


@require_safe
@login_not_required
def robots(request: HttpRequest) -> HttpResponse:
    """An internal tool: no crawler has any business here."""
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
