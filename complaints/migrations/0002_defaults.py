"""Installs the default configuration (see complaints/defaults.py)."""

from django.db import migrations

from complaints.defaults import install_defaults


def create_defaults(apps, schema_editor):
    install_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
