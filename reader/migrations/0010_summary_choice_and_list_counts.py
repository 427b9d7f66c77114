"""The summary a person chose for an article ("Use this summary"), the list's view counts kept by
triggers (``reader/counts.py``, counted once here for the articles already saved), and an index per
site and per language for the list's narrowed pages."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from reader import counts


def install_counts(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in counts.drop_sql(vendor) + counts.install_sql(vendor) + counts.rebuild_sql():
        schema_editor.execute(sql)


def remove_counts(apps, schema_editor):
    for sql in counts.drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('reader', '0009_api_url_hashes_and_tokens'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='summary_algorithm',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name='article',
            name='summary_sentences',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name='ListCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(blank=True, max_length=4)),
                ('name', models.CharField(blank=True, max_length=255)),
                ('total', models.IntegerField(default=0)),
                ('unread', models.IntegerField(default=0)),
                ('archived', models.IntegerField(default=0)),
                ('favourites', models.IntegerField(default=0)),
                ('pending', models.IntegerField(default=0)),
                ('failed', models.IntegerField(default=0)),
                ('owner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('owner', 'kind', 'name'), name='listcount_unique_key')],
            },
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['owner', 'site', '-created_at', '-id'], name='article_site_saved'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['owner', 'language', '-created_at', '-id'], name='article_language_saved'),
        ),
        migrations.RunPython(install_counts, remove_counts),
    ]
