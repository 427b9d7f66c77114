from django.urls import path

from reader.views import actions, apps, articles, lists, preferences, transfer

app_name = "reader"

urlpatterns = [
    path("", lists.index, name="index"),
    path("articles/", lists.save_articles, name="article-save"),
    path("articles/updates/", lists.updates, name="article-updates"),
    path("articles/bulk/", actions.bulk_action, name="article-bulk"),
    path("articles/<int:article_id>/", articles.article_detail, name="article-detail"),
    path("articles/<int:article_id>/retry/", articles.retry_article, name="article-retry"),
    path("articles/<int:article_id>/summary/", articles.choose_summary, name="article-summary"),
    path("articles/<int:article_id>/export.<str:format>", transfer.export_article, name="article-export"),
    path("articles/<int:article_id>/image", articles.lead_image, name="article-image"),
    path("articles/<int:article_id>/<slug:action>/", actions.article_action, name="article-action"),
    path("import/", transfer.import_page, name="import"),
    path("import/<int:job_id>/", transfer.import_detail, name="import-detail"),
    path("import/<int:job_id>/report.csv", transfer.import_report, name="import-report"),
    path("export/", transfer.export_library, name="export"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("preferences/reader/", preferences.reader_look, name="reader-look"),
    path("preferences/api-clients/", apps.create_api_client, name="api-client-create"),
    path("preferences/api-clients/<int:client_id>/revoke/", apps.revoke_api_client, name="api-client-revoke"),
    path("preferences/tokens/<slug:kind>/", apps.personal_token, name="personal-token"),
]
