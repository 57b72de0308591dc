"""Users shared by the corpus tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client


@pytest.fixture
def editor(django_user_model):
    """A member of the Editors group with access to the admin."""
    user = django_user_model.objects.create_user(
        username="editor", password="editor-pass-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor) -> Client:
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def _drafts_in_tmp(settings, tmp_path_factory) -> None:
    """Add-article drafts go to a temporary folder, not the checkout's var/."""
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
