"""Create the "Editors" group: the people who may change tags and articles."""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"

# Model -> the permissions editors get on it. TagChange is an audit log: view only.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "article": ("view", "change", "add", "delete"),
    "articleauthor": ("view", "change", "add", "delete"),
    "author": ("view", "change", "add"),
    "publication": ("view", "change", "add"),
    "paragraph": ("view", "change"),
    "paragraphcountry": ("view", "change", "add"),
    "paragraphtopic": ("view", "change", "add"),
    "country": ("view",),
    "countryalias": ("view", "change", "add", "delete"),
    "topic": ("view", "change", "add", "delete"),
    "tagchange": ("view",),
}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [
        f"{action}_{model}"
        for model, actions in PERMISSIONS.items()
        for action in actions
    ]
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="corpus", codename__in=codenames
        )
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0004_seed_topics"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
