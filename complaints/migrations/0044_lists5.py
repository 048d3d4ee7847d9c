# Issue 17: a search for a whole order number is answered by equality (complaints.selectors.worklist.
# exact_match) instead of the trigram scan, whose trigrams (`so4`, `000`) nearly every row shares.

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0043_config_token_auth"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(django.db.models.functions.text.Upper("order_number"), name="complaint_order_exact"),
        ),
    ]
