"""An index on the tag links by tag, then article: a tag's articles read from the index alone.

The automatic many-to-many table has (article_id, tag_id) unique and tag_id alone; the tag view
and its counts want every article id of one tag, which the lone tag_id index can only give by
visiting the table (measured in bench/README.md, section Web). Plain SQL because Django creates
that table itself; the statement is the same on SQLite and PostgreSQL.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reader", "0005_list_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX reader_article_tags_by_tag ON reader_article_tags (tag_id, article_id)",
            "DROP INDEX reader_article_tags_by_tag",
        ),
    ]
