from django.urls import path

from . import views

app_name = "reader"

urlpatterns = [
    path("", views.index, name="index"),
    path("articles/", views.save_articles, name="article-save"),
    path("articles/updates/", views.updates, name="article-updates"),
    path("articles/bulk/", views.bulk_action, name="article-bulk"),
    path("articles/<int:article_id>/", views.article_detail, name="article-detail"),
    path("articles/<int:article_id>/retry/", views.retry_article, name="article-retry"),
    path("articles/<int:article_id>/<slug:action>/", views.article_action, name="article-action"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/reader/", views.reader_look, name="reader-look"),
]
