from django.contrib import admin

from reader.models import Article, ImportJob


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "status", "site", "title", "created_at")
    list_filter = ("status", "paywalled", "blocked")
    search_fields = ("url", "title")
    raw_id_fields = ("owner", "import_job")
    exclude = ("text",)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "file_name",
        "format",
        "state",
        "position",
        "created",
        "existing",
        "invalid",
        "created_at",
    )
    list_filter = ("state", "format")
    raw_id_fields = ("owner",)
    readonly_fields = ("token", "lease_expires_at")
