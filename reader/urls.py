from django.urls import path

from reader.views import actions, articles, lists, preferences

app_name = "reader"

urlpatterns = [
    path("", lists.index, name="index"),
    path("articles/", lists.save_articles, name="article-save"),
    path("articles/updates/", lists.updates, name="article-updates"),
    path("articles/bulk/", actions.bulk_action, name="article-bulk"),
    path("articles/<int:article_id>/", articles.article_detail, name="article-detail"),
    path("articles/<int:article_id>/retry/", articles.retry_article, name="article-retry"),
    path("articles/<int:article_id>/image", articles.lead_image, name="article-image"),
    path("articles/<int:article_id>/<slug:action>/", actions.article_action, name="article-action"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("preferences/reader/", preferences.reader_look, name="reader-look"),
]
