"""Accounts: `add_user`, the admin's log-in hint and the admin's name for things."""

from __future__ import annotations

import io

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from corpus.models import Article, Paragraph


def run(*args: str, stdin: str | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command(*args, stdout=out)
    return out.getvalue()


def test_add_user_prints_a_one_time_password_that_logs_in(db) -> None:
    output = run("add_user", "amira")
    (line,) = [line for line in output.splitlines() if "One-time password" in line]
    password = line.split(": ", 1)[1]
    user = get_user_model().objects.get(username="amira")
    assert user.check_password(password)
    assert not user.is_staff
    assert not user.groups.exists()


def test_add_user_editor_and_staff(db) -> None:
    run("add_user", "ed", "--editor", "--staff")
    user = get_user_model().objects.get(username="ed")
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]


def test_add_user_reads_the_password_from_stdin(db, monkeypatch) -> None:
    output = run(
        "add_user",
        "sam",
        "--password-stdin",
        stdin="long-enough-pass-42\n",
        monkeypatch=monkeypatch,
    )
    assert "One-time password" not in output
    user = get_user_model().objects.get(username="sam")
    assert user.check_password("long-enough-pass-42")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add_user", "taken"), None, "already an account"),  # existing name
        (("add_user", "weak", "--password-stdin"), "123\n", "too short"),
        (("add_user", "empty", "--password-stdin"), "\n", "No password"),
    ],
)
def test_add_user_refuses_with_a_message(db, monkeypatch, args, stdin, message) -> None:
    get_user_model().objects.create_user(username="taken", password="x-pass-123456")
    with pytest.raises(CommandError, match=message):
        run(*args, stdin=stdin if stdin is not None else "", monkeypatch=monkeypatch)


def test_ensure_admin_names_the_port_it_was_given(db, settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    output = run("ensure_admin", "--url", "http://127.0.0.1:9123/")
    assert "http://127.0.0.1:9123/" in output
    assert "8000" not in output
    again = run("ensure_admin", "--url", "http://127.0.0.1:9123/")
    assert "Log in at http://127.0.0.1:9123/" in again


def test_paragraph_is_named_by_title_and_number(db) -> None:
    article = Article.objects.create(title="Opium on the border", year=2016)
    paragraph = Paragraph.objects.create(article=article, position=7, text="x")
    assert str(paragraph) == "Opium on the border ¶ 7"


def test_admin_header_says_refdesk(admin_client) -> None:
    response = admin_client.get("/admin/")
    body = response.content.decode()
    assert "Refdesk administration" in body
    assert "Django administration" not in body


def test_editor_sets_the_source_url_and_ingest_keeps_it(client, db, tmp_path) -> None:
    from django.contrib.auth.models import Group

    from corpus.ingest import ingest_paths

    editor = get_user_model().objects.create_user(
        username="ed", password="x-pass-123456", is_staff=True
    )
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    client.force_login(editor)
    source = tmp_path / "opium.txt"
    source.write_text(
        "Opium on the border\n\nURL: https://example.org/old\n\n"
        "Opium moves across the border from Afghanistan into Iran.\n",
        encoding="utf-8",
    )
    ingest_paths([source], update_index=False)
    article = Article.objects.get()
    url = f"/admin/corpus/article/{article.pk}/change/"
    form = lxml.html.fromstring(client.get(url).content.decode()).cssselect(
        "form#article_form"
    )[0]
    data = dict(form.form_values())
    data.update(source_url="https://example.org/opium-on-the-border", _save="Save")
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.source_url == "https://example.org/opium-on-the-border"
    assert "source_url" in article.edited_fields
    source.write_text(
        source.read_text(encoding="utf-8") + "\nA second paragraph.\n",
        encoding="utf-8",
    )
    ingest_paths([source], update_index=False)
    article.refresh_from_db()
    assert article.source_url == "https://example.org/opium-on-the-border"
