"""wallabag's v2 API as Digest serves it: tokens, entries, tags, the wire rules clients depend on, and
that nobody reads or changes another person's articles."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from reader.models import Article, Tag
from reader.pipeline import steps
from reader.pipeline.tasks import clear_expired_tokens
from tests.factories import add_summary, make_article
from tests.sample_pages import FERRY
from tests.wallabag_api import api_user, bearer, token_for

pytestmark = pytest.mark.django_db

WIRE_DATE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$"


@pytest.fixture
def reader(client):
    return api_user("rosa")


@pytest.fixture
def auth(client, reader):
    """Test-client keyword arguments with a valid token of ``reader``."""
    return bearer(token_for(client, reader))


# --- The token endpoint ------------------------------------------------------------------------


def test_the_token_comes_for_a_form_a_json_body_and_a_get_with_query_parameters(client, reader):
    grant = reader.password_grant()
    answers = [
        client.post("/oauth/v2/token", grant),  # Miniflux, the Android app
        client.post("/oauth/v2/token", json.dumps(grant), content_type="application/json"),  # KOReader, wallabagger
        client.get("/oauth/v2/token", grant),  # wallabag-client
        client.post("/oauth/v2/token?" + "&".join(f"{k}={quote(v)}" for k, v in grant.items())),
    ]
    for response in answers:
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["token_type"] == "bearer" and body["scope"] is None
        assert body["expires_in"] == 3600 and body["access_token"] and body["refresh_token"]
    assert client.get("/api/entries", **bearer(answers[2].json())).status_code == 200


def test_a_refresh_token_gives_a_new_token_once(client, reader):
    first = token_for(client, reader)
    refresh = {
        "grant_type": "refresh_token",
        "client_id": reader.client_id,
        "client_secret": reader.client_secret,
        "refresh_token": first["refresh_token"],
    }
    renewed = client.post("/oauth/v2/token", refresh)
    assert renewed.status_code == 200
    assert client.get("/api/entries", **bearer(renewed.json())).status_code == 200
    # A refresh token is used once; a replay is refused with 400, on which the Android app signs in again.
    again = client.post("/oauth/v2/token", refresh)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_wrong_credentials_are_errors_clients_can_show(client, reader):
    wrong_password = client.post("/oauth/v2/token", {**reader.password_grant(), "password": "nope"})
    assert wrong_password.status_code == 400
    assert wrong_password.json() == {"error": "invalid_grant", "error_description": "Invalid credentials given."}
    wrong_secret = client.post("/oauth/v2/token", {**reader.password_grant(), "client_secret": "nope"})
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert wrong_secret.json()["error_description"]
    no_grant = client.post("/oauth/v2/token", {"client_id": reader.client_id})
    assert no_grant.status_code == 400 and no_grant.json()["error"] == "unsupported_grant_type"
    garbage = client.post("/oauth/v2/token", b"\xff{", content_type="application/json")
    assert garbage.status_code == 400 and "error_description" in garbage.json()


def test_an_api_client_gives_tokens_to_its_owner_only(client, reader):
    other = api_user("mallory")
    borrowed = {**other.password_grant(), "client_id": reader.client_id, "client_secret": reader.client_secret}
    answer = client.post("/oauth/v2/token", borrowed)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_an_expired_token_is_refused_with_401_invalid_grant(client, reader):
    token = token_for(client, reader)
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/entries", **bearer(token))
    assert response.status_code == 401 and response.json()["error"] == "invalid_grant"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_passwords_lock_the_account_out_of_the_token_endpoint_too(client, reader, settings):
    for _ in range(settings.DIGEST_LOGIN_FAILURES):
        client.post("/oauth/v2/token", {**reader.password_grant(), "password": "guess"})
    locked = client.post("/oauth/v2/token", reader.password_grant())
    assert locked.status_code == 400 and locked.json()["error"] == "invalid_grant"


def test_revoking_a_client_signs_its_apps_out(client, reader, auth):
    assert client.get("/api/entries", **auth).status_code == 200
    Application.objects.filter(client_id=reader.client_id).delete()
    assert client.get("/api/entries", **auth).status_code == 401


def test_the_api_client_command_prints_a_working_id_and_secret(client, reader, capsys):
    call_command("api_client", "--user", reader.username, "--name", "KOReader", "--json")
    made = json.loads(capsys.readouterr().out)
    assert made["name"] == "KOReader"
    grant = {**reader.password_grant(), "client_id": made["client_id"], "client_secret": made["client_secret"]}
    assert client.post("/oauth/v2/token", grant).status_code == 200


# --- Entries -----------------------------------------------------------------------------------


def test_the_list_is_wallabags_page_envelope_with_its_wire_rules(client, reader, auth):
    read = make_article(reader.user, "Read one", tags=["Python", "web"], read_at=timezone.now())
    fresh = make_article(reader.user, "Fresh one", favourite=True)
    add_summary(fresh, ["First sentence of the story."])
    make_article(reader.user, "Still fetching", status=Article.Status.QUEUED)
    response = client.get("/api/entries.json", **auth)
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b"{")  # KOReader reads a body only when it starts with "{"
    page = response.json()
    assert (page["page"], page["limit"], page["pages"], page["total"]) == (1, 30, 1, 2)
    assert set(page["_links"]) == {"self", "first", "last"}
    items = page["_embedded"]["items"]
    assert [i["id"] for i in items] == [fresh.pk, read.pk]  # newest first; the pending one is not listed yet
    first, second = items
    assert (first["is_starred"], first["is_archived"], second["is_archived"]) == (1, 0, 1)
    assert isinstance(first["is_starred"], int) and not isinstance(first["is_starred"], bool)
    assert first["created_at"] and first["updated_at"]
    for item in items:
        for key in ("created_at", "updated_at"):
            assert re.match(WIRE_DATE, item[key]), item[key]
    assert second["archived_at"] is not None and second["starred_at"] is None
    assert sorted(t["label"] for t in second["tags"]) == ["Python", "web"]
    assert {"id", "label", "slug"} == set(second["tags"][0]) and second["tags"][0]["slug"].startswith("t:")
    # Digest's summary: before the text in content, and alone in digest_summary.
    assert first["digest_summary"] == ["First sentence of the story."]
    assert first["content"].index("Summary") < first["content"].index("Second paragraph")
    assert first["hashed_given_url"] == hashlib.sha1(fresh.url.encode()).hexdigest()
    assert first["reading_time"] == 1 and first["mimetype"] == "text/html"


def test_the_list_filters_sorts_and_pages_as_wallabags(client, reader, auth):
    old = make_article(reader.user, "Old", tags=["a", "b"])
    mid = make_article(reader.user, "Mid", tags=["a"], archived_at=timezone.now())
    new = make_article(reader.user, "New", favourite=True)

    def ids(**params):
        return [i["id"] for i in client.get("/api/entries", params, **auth).json()["_embedded"]["items"]]

    assert ids(archive=0) == [new.pk, old.pk] and ids(archive=1) == [mid.pk]
    assert ids(starred=1) == [new.pk] and ids(starred="true") == [new.pk]
    assert ids(tags="A,b") == [old.pk] and ids(tags="a") == [mid.pk, old.pk] and ids(tags="nope") == []
    assert ids(order="asc") == [old.pk, mid.pk, new.pk]
    assert ids(detail="metadata", perPage=1) == [new.pk]
    assert client.get("/api/entries", {"detail": "metadata"}, **auth).json()["_embedded"]["items"][0]["content"] is None
    page2 = client.get("/api/entries", {"perPage": 2, "page": 2}, **auth).json()
    assert (page2["pages"], page2["total"], [i["id"] for i in page2["_embedded"]["items"]]) == (2, 3, [old.pk])
    assert "page=1" in page2["_links"]["previous"]["href"] and "next" not in page2["_links"]
    # Past the last page: 404, which KOReader takes for the end of the list.
    assert client.get("/api/entries", {"perPage": 2, "page": 3}, **auth).status_code == 404
    Article.objects.filter(pk=old.pk).update(updated_at=timezone.now() + timedelta(hours=1))
    since = int((timezone.now() + timedelta(minutes=30)).timestamp())
    assert ids(sort="updated", order="asc", since=since) == [old.pk]
    bad = client.get("/api/entries", {"sort": "nonsense"}, **auth)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    assert client.get("/api/entries", {"perPage": 10**18}, **auth).json()["limit"] == 500


def test_saving_a_link_queues_it_like_a_paste_and_sets_what_was_asked(client, reader, auth):
    response = client.post(
        "/api/entries",
        {"url": "https://news.example.com/ferry", "title": "Ferry", "tags": "boats, Local", "starred": "1"},
        **auth,
    )
    assert response.status_code == 200, response.content
    entry = response.json()
    article = Article.objects.get(pk=entry["id"])
    assert (article.owner, article.status, article.captured, article.favourite) == (reader.user, "queued", False, True)
    assert entry["title"] == "Ferry" and entry["is_starred"] == 1 and entry["digest_status"] == "queued"
    assert sorted((t["label"] for t in entry["tags"]), key=str.lower) == ["boats", "Local"]
    # The same link again is the same entry (wallabag updates and returns it).
    again = client.post(
        "/api/entries.json",
        json.dumps({"url": "https://news.example.com/ferry/", "archive": 1}),
        content_type="application/json",
        **auth,
    )
    assert again.json()["id"] == article.pk and again.json()["is_archived"] == 1
    assert Article.objects.filter(owner=reader.user).count() == 1
    bad = client.post("/api/entries", {"url": "javascript:alert(1)"}, **auth)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    assert client.post("/api/entries", {}, **auth).status_code == 400


def test_saving_with_content_keeps_the_page_as_the_client_saw_it(client, reader, auth):
    html = FERRY.read_bytes().decode("utf-8")
    response = client.post(
        "/api/entries.json",
        json.dumps({"url": "https://paywalled.invalid/ferry", "title": "From the app", "content": html}),
        content_type="application/json",
        **auth,
    )
    entry = response.json()
    article = Article.objects.get(pk=entry["id"])
    assert article.captured and entry["digest_captured"] is True
    assert article.fetched_page.body.decode("utf-8") == html  # the page is the given HTML: no fetch
    steps.process_article(article.pk)
    shown = client.get(f"/api/entries/{article.pk}", **auth).json()
    assert FERRY.phrase in shown["content"] and shown["digest_summary"] and shown["digest_status"] == "ready"


def test_changing_an_entry(client, reader, auth):
    article = make_article(reader.user, "Before", tags=["keep", "drop"])
    url = f"/api/entries/{article.pk}.json"
    changed = client.patch(
        url, "title=After&archive=1&starred=true", content_type="application/x-www-form-urlencoded", **auth
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["title"], body["is_archived"], body["is_starred"]) == ("After", 1, 1)
    tags = client.patch(url, json.dumps({"tags": ["keep", "new"]}), content_type="application/json", **auth).json()[
        "tags"
    ]
    assert sorted(t["label"] for t in tags) == ["keep", "new"]  # non-empty tags replace them all
    assert not Tag.objects.filter(name="drop").exists()
    back = client.patch(url, json.dumps({"archive": 0, "starred": 0}), content_type="application/json", **auth).json()
    assert (back["is_archived"], back["is_starred"]) == (0, 0)
    article.refresh_from_db()
    assert article.read_at is None and article.archived_at is None
    assert (
        client.patch(url, json.dumps({"archive": "maybe"}), content_type="application/json", **auth).status_code == 400
    )


def test_deleting_an_entry(client, reader, auth):
    first, second = make_article(reader.user, "One"), make_article(reader.user, "Two")
    gone = client.delete(f"/api/entries/{first.pk}.json", **auth)
    assert gone.status_code == 200 and gone.json()["title"] == "One"
    assert client.delete(f"/api/entries/{second.pk}?expect=id", **auth).json() == {"id": second.pk}
    assert not Article.objects.for_user(reader.user).exists()
    assert client.get(f"/api/entries/{first.pk}", **auth).status_code == 404


def test_exists_by_url_hash_and_lists(client, reader, auth):
    plain = make_article(reader.user, url="https://news.example.com/a%20b?x=1")
    raw_hash = hashlib.sha1(plain.url.encode()).hexdigest()
    decoded_hash = hashlib.sha1(b"https://news.example.com/a b?x=1").hexdigest()

    def ask(params):
        return client.get("/api/entries/exists.json", params, **auth).json()

    assert ask({"url": plain.url}) == {"exists": True}
    assert ask({"url": plain.url, "return_id": 1}) == {"exists": plain.pk}
    assert ask({"url": "https://news.example.com/other"}) == {"exists": False}
    assert ask({"url": "https://news.example.com/other", "return_id": 1}) == {"exists": None}
    assert ask({"hashed_url": raw_hash, "return_id": 1}) == {"exists": plain.pk}  # wallabagger, Android: raw URL
    assert ask({"hashed_url": decoded_hash}) == {"exists": True}  # wallabag's own: URL-decoded
    listed = ask({"urls[]": [plain.url, "https://x.example/"], "hashed_urls[]": [decoded_hash]})
    assert listed == {plain.url: True, "https://x.example/": False, decoded_hash: True}
    # A link saved with tracking parameters is found by its canonical URL.
    tracked = make_article(
        reader.user, url="https://news.example.com/t?utm_source=x", canonical_url="https://news.example.com/t"
    )
    assert ask({"url": "https://news.example.com/t", "return_id": 1}) == {"exists": tracked.pk}
    assert client.get("/api/entries/exists", **auth).status_code == 400


def test_reload_queues_the_article_again(client, reader, auth):
    article = make_article(reader.user, status=Article.Status.FAILED)
    response = client.patch(f"/api/entries/{article.pk}/reload.json", **auth)
    assert response.status_code == 200 and response.json()["digest_status"] == "queued"
    assert Article.objects.get(pk=article.pk).status == Article.Status.QUEUED


@pytest.mark.parametrize(
    ("extension", "content_type", "start"),
    [("epub", "application/epub+zip", b"PK"), ("txt", "text/plain", b"A story"), ("md", "text/markdown", b"---")],
)
def test_exports(client, reader, auth, extension, content_type, start):
    article = make_article(reader.user)
    response = client.get(f"/api/entries/{article.pk}/export.{extension}", **auth)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response.content.startswith(start)
    assert response["Content-Disposition"] == f'attachment; filename="a-story.{extension}"'
    named = make_article(reader.user, "Über 東京")  # RFC 6266's filename*, for a name that is not ASCII
    response = client.get(f"/api/entries/{named.pk}/export.{extension}", **auth)
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''%C3%BCber-%E6%9D%B1%E4%BA%AC.{extension}"


def test_an_export_in_a_format_digest_does_not_make_is_a_clear_404(client, reader, auth):
    article = make_article(reader.user)
    response = client.get(f"/api/entries/{article.pk}/export.pdf", **auth)
    assert response.status_code == 404 and "epub, txt and md" in response.json()["error_description"]


# --- Tags --------------------------------------------------------------------------------------


def test_tag_endpoints(client, reader, auth):
    article = make_article(reader.user, tags=["Python"])
    other = make_article(reader.user, tags=["python", "go"])
    listed = client.get(f"/api/entries/{article.pk}/tags.json", **auth).json()
    assert [t["label"] for t in listed] == ["Python"]
    added = client.post(f"/api/entries/{article.pk}/tags", {"tags": "rust, go"}, **auth).json()
    assert sorted((t["label"] for t in added["tags"]), key=str.lower) == ["go", "Python", "rust"]
    all_tags = {t["label"]: t for t in client.get("/api/tags.json", **auth).json()}
    assert {k: v["nbEntries"] for k, v in all_tags.items()} == {"go": 2, "Python": 2, "rust": 1}
    rust = all_tags["rust"]["id"]
    removed = client.delete(f"/api/entries/{article.pk}/tags/{rust}.json", **auth).json()
    assert sorted((t["label"] for t in removed["tags"]), key=str.lower) == ["go", "Python"]
    assert client.delete(f"/api/tags/{all_tags['go']['id']}", **auth).json()["label"] == "go"
    assert not Tag.objects.filter(name="go").exists() and not other.tags.filter(name="go").exists()
    assert client.delete("/api/tag/label.json?tag=PYTHON", **auth).json()["label"] == "Python"
    assert client.get("/api/tags", **auth).json() == []
    assert client.delete("/api/tags/label?tags=none", **auth).status_code == 404


# --- Version, info, config, schema ------------------------------------------------------------


def test_version_and_info_need_no_token(client):
    version = client.get("/api/version.json")
    assert version.status_code == 200 and version.json() == "2.6.10" and version["Content-Type"] == "application/json"
    assert client.get("/api/info").json() == {"appname": "wallabag", "version": "2.6.10", "allowed_registration": False}


def test_config(client, reader, auth):
    config = client.get("/api/config.json", **auth).json()
    assert config["id"] == reader.user.pk and config["items_per_page"] == 30 and config["feed_token"] is None


def test_the_openapi_schema_is_generated_from_the_code(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "/api/entries/exists" in schema["paths"] and "/oauth/v2/token" in schema["paths"]
    entry = schema["components"]["schemas"]["Entry"]["properties"]
    assert {"is_archived", "is_starred", "digest_summary", "tags", "_links"} <= set(entry)


# --- Nobody else's articles, and nothing without a token ------------------------------------

# (method, path with {e} for an entry id and {t} for a tag id, body)
ENDPOINTS = [
    ("get", "/api/entries/{e}", None),
    ("patch", "/api/entries/{e}", {"title": "x"}),
    ("delete", "/api/entries/{e}", None),
    ("patch", "/api/entries/{e}/reload", None),
    ("get", "/api/entries/{e}/export.epub", None),
    ("get", "/api/entries/{e}/tags", None),
    ("post", "/api/entries/{e}/tags", {"tags": "x"}),
    ("delete", "/api/entries/{e}/tags/{t}", None),
    ("delete", "/api/tags/{t}", None),
]
LISTS = [
    ("get", "/api/entries", None),
    ("post", "/api/entries", {"url": "https://example.com/x"}),
    ("get", "/api/entries/exists?url=https://example.com/x", None),
    ("get", "/api/tags", None),
    ("delete", "/api/tag/label?tag=t", None),
    ("delete", "/api/tags/label?tags=t", None),
    ("get", "/api/config", None),
]


def _call(client: Client, method: str, path: str, body, **extra):
    if body is None:
        return getattr(client, method)(path, **extra)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS + LISTS)
@pytest.mark.parametrize("suffix", ["", ".json"])
def test_every_endpoint_wants_a_token(client, reader, method, path, body, suffix):
    article = make_article(reader.user, tags=["t"])
    tag = Tag.objects.get(owner=reader.user)
    target = path.format(e=article.pk, t=tag.pk)
    if suffix and "export." not in target:
        base, _, query = target.partition("?")
        target = base + suffix + (f"?{query}" if query else "")
    response = _call(client, method, target, body)
    assert response.status_code == 401, (method, target)
    assert response.json()["error"] == "access_denied" and response.json()["error_description"]
    assert Article.objects.filter(pk=article.pk, deleted_at__isnull=True, title="A story").exists()


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_another_persons_entries_and_tags_are_404(client, reader, method, path, body):
    theirs = make_article(api_user("bruno").user, "Theirs", tags=["secret"])
    their_tag = Tag.objects.get(owner=theirs.owner)
    mine = make_article(reader.user, tags=["mine"])
    my_tag = Tag.objects.get(owner=reader.user)
    auth = bearer(token_for(client, reader))
    # Their entry with my tag, my entry with their tag: each must be a 404.
    combos = ([(theirs.pk, my_tag.pk)] if "{e}" in path else []) + ([(mine.pk, their_tag.pk)] if "{t}" in path else [])
    for entry, tag in combos:
        response = _call(client, method, path.format(e=entry, t=tag), body, **auth)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["error"] == "not_found"
    theirs.refresh_from_db()
    assert (theirs.title, theirs.deleted_at, theirs.status) == ("Theirs", None, "ready")
    assert list(theirs.tags.values_list("name", flat=True)) == ["secret"]


def test_lists_and_lookups_show_only_the_persons_own(client, reader, auth):
    theirs = make_article(api_user("bruno").user, "Theirs", tags=["secret"])
    assert client.get("/api/entries", **auth).json()["total"] == 0
    assert client.get("/api/tags", **auth).json() == []
    assert client.get("/api/entries/exists", {"url": theirs.url}, **auth).json() == {"exists": False}
    assert client.delete("/api/tag/label?tag=secret", **auth).status_code == 404
    assert theirs.tags.count() == 1


def test_expired_tokens_are_cleared_by_the_daily_task(client, reader):
    token_for(client, reader)
    live = token_for(client, reader)
    AccessToken.objects.exclude(token_checksum=hashlib.sha256(live["access_token"].encode()).hexdigest()).update(
        expires=timezone.now() - timedelta(days=30)
    )
    clear_expired_tokens()
    assert AccessToken.objects.count() == 1
    assert client.get("/api/entries", **bearer(live)).status_code == 200
