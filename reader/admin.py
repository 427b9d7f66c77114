from django.contrib import admin

from reader.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "status", "site", "title", "created_at")
    list_filter = ("status", "paywalled", "blocked")
    search_fields = ("url", "title")
    raw_id_fields = ("owner",)
    exclude = ("text",)
