# Issue 17: a name of one or two characters (a two-character Chinese name: the trigram index takes
# nothing from it) is found whole, by equality (complaints.selectors.worklist.exact_match).

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0044_lists5"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(django.db.models.functions.text.Upper("customer_name"), name="complaint_name_exact"),
        ),
    ]
