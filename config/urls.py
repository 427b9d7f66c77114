"""URL configuration: the reader, sign-in and password change under /accounts/, the admin, and /healthz.

No password-reset pages: Digest sends no mail. A forgotten password is reset by an admin
(``manage.py changepassword NAME``, or the admin site), as README says.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reader.views import health

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    # wallabag's API, the schema, feeds, the bookmarklet and the share target (reader/api/).
    path("", include("reader.api.urls")),
    path("", include("reader.urls")),
]

# Django refuses an oversized form before any view runs; this says why, in words.
handler400 = "reader.views.errors.bad_request"
# A database restart answers HTTP 503 with a sentence and Retry-After, never a bare 500.
handler500 = "reader.views.errors.server_error"
