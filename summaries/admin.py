from django.contrib import admin

from summaries.models import Summary


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    list_display = ("id", "article", "algorithm", "sentence_count", "status", "updated_at")
    list_filter = ("algorithm", "status")
    raw_id_fields = ("article",)
