from __future__ import annotations

from django.db import migrations


def load_countries(apps, schema_editor):
    from corpus.countries import iso_countries

    Country = apps.get_model("corpus", "Country")
    for item in iso_countries():
        Country.objects.update_or_create(
            code=item.code,
            defaults={"name": item.name, "official_name": item.official_name},
        )


class Migration(migrations.Migration):
    dependencies = [("corpus", "0001_initial")]

    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
