# Issue 17: the queue's index kept for a superuser's queue alone.
#
# `urgency_queued_order` (every queued row in urgency order) was smaller than `urgency_queue` and
# PostgreSQL took it for one queue's read too, walking past the other queues' rows; the same index
# now names `owner IS NULL` (true of every queued row) in its condition, which only the superuser's
# read says.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0041_config_token_notify'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='taskurgency',
            name='urgency_queued_order',
        ),
        migrations.AddIndex(
            model_name='taskurgency',
            index=models.Index(condition=models.Q(('owner__isnull', True), ('status', 'NEW')), fields=['rank', 'due', 'paused_left', '-created'], name='urgency_queued_all'),
        ),
    ]
