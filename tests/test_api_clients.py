"""The exact requests of wallabag clients that cannot run here, replayed against Digest, and checked the
way each client's own code reads the answers.

- KOReader's wallabag plugin: koreader/koreader ``plugins/wallabag.koplugin/main.lua`` at fc8888766
  (``getBearerToken``, ``getArticleList``, ``downloadArticle``, ``addArticle``, ``addTagsFromReview``,
  ``archiveArticle``, and ``callAPI``: a JSON answer counts only with status 200 and a body whose first
  character is ``{``).
- wallabagger, wallabag's browser extension: wallabag/wallabagger ``wallabagger/js/wallabag-api.js`` and
  ``fetch-api.js`` at 1c802ec (every request sends ``Accept`` and ``Content-Type: application/json``;
  ``hashUrl`` in ``utils/url.js`` is the SHA-1 of the raw URL; ``cutArticle`` in ``background.js`` reads
  the entry).
- the Android app: wallabag/android-app at 9541f926 through its API library di72nn/wallabag-api-wrapper
  v2.0.0-beta.6 at 5570ac6 (``services/WallabagApiService.java`` for the paths, ``TokenRefreshingInterceptor``
  for the form-encoded grants and ``Accept: */*``, ``ArticlesQueryBuilder`` for the list parameters,
  ``models/*.java`` and ``NumericBooleanAdapter`` for what the JSON must be: integer ids and flags read as
  the strings "1"/"0", RFC 3339 dates, a non-null ``reading_time``).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

import pytest
from django.test import Client

from reader.models import Article, Tag
from tests.factories import add_summary, make_article
from tests.sample_pages import FERRY
from tests.wallabag_api import api_user

pytestmark = pytest.mark.django_db


def lua_json(response) -> dict:
    """KOReader's ``callAPI``: the decoded answer, only for a 200 whose body starts with ``{``."""
    assert response.status_code == 200, response.content
    assert response.content[:1] == b"{", response.content[:40]
    return json.loads(response.content)


def test_koreader_signs_in_syncs_downloads_epubs_adds_tags_and_archives():
    who = api_user("kobo")
    client = Client()
    for n in range(3):
        article = make_article(who.user, f"Story {n}", tags=["keep"] if n != 1 else ["ignored"])
        add_summary(article, ["First sentence of the story."])
    make_article(who.user, "Done", archived_at=datetime.now().astimezone())
    accept = "application/json, */*"

    # getBearerToken: POST /oauth/v2/token, JSON body, reads access_token and expires_in.
    body = json.dumps(who.password_grant())
    login = lua_json(
        client.post("/oauth/v2/token", body, content_type="application/json", HTTP_ACCEPT="application/json, */*")
    )
    assert login["access_token"] and login["expires_in"] > 300
    auth = {"HTTP_AUTHORIZATION": "Bearer " + login["access_token"]}

    # getArticleList: archive=0, pages of articles_per_sync, until page == pages (or a 404).
    seen, page = [], 1
    while True:
        result = lua_json(client.get(f"/api/entries.json?archive=0&page={page}&perPage=2", **auth))
        seen += result["_embedded"]["items"]
        if not (result["pages"] is not None and page < result["pages"]):
            break
        page += 1
    assert [a["title"] for a in seen] == ["Story 2", "Story 1", "Story 0"]
    assert client.get("/api/entries.json?archive=0&page=3&perPage=2", **auth).status_code == 404
    for article in seen:
        assert isinstance(article["id"], int) and article["url"] and article["mimetype"] == "text/html"
        assert all("label" in tag for tag in article["tags"]) and article["updated_at"]
    # filterIgnoredTags works on tags[].label; the tag filter sends tags=<label>.
    assert [a["title"] for a in seen if all(t["label"] != "ignored" for t in a["tags"])] == ["Story 2", "Story 0"]
    tagged = lua_json(client.get("/api/entries.json?archive=0&page=1&perPage=30&tags=keep", **auth))
    assert {a["title"] for a in tagged["_embedded"]["items"]} == {"Story 2", "Story 0"}

    # downloadArticle: GET /api/entries/<id>/export.epub with only the Authorization header; 200 and the file.
    epub = client.get(f"/api/entries/{seen[0]['id']}/export.epub", **auth)
    assert epub.status_code == 200 and epub.content[:2] == b"PK" and b"application/epub+zip" in epub.content[:100]

    # addArticle: POST /api/entries.json {url, tags = auto_tags}.
    added = lua_json(
        client.post(
            "/api/entries.json",
            json.dumps({"url": "https://news.example.com/new", "tags": "kobo"}),
            content_type="application/json",
            HTTP_ACCEPT=accept,
            **auth,
        )
    )
    assert Article.objects.get(pk=added["id"]).tags.get().name == "kobo"
    empty_tags = client.post(
        "/api/entries.json",
        json.dumps({"url": "https://news.example.com/more", "tags": ""}),
        content_type="application/json",
        HTTP_ACCEPT=accept,
        **auth,
    )
    lua_json(empty_tags)

    # addTagsFromReview: POST /api/entries/<id>/tags.json {tags}.
    lua_json(
        client.post(
            f"/api/entries/{seen[0]['id']}/tags.json",
            json.dumps({"tags": "read,good"}),
            content_type="application/json",
            HTTP_ACCEPT=accept,
            **auth,
        )
    )
    assert set(Tag.objects.filter(articles__pk=seen[0]["id"]).values_list("name", flat=True)) == {
        "keep",
        "read",
        "good",
    }

    # archiveArticle: PATCH /api/entries/<id>.json {archive: 1}, or DELETE when "delete instead" is set.
    lua_json(
        client.patch(
            f"/api/entries/{seen[0]['id']}.json",
            json.dumps({"archive": 1}),
            content_type="application/json",
            HTTP_ACCEPT=accept,
            **auth,
        )
    )
    assert Article.objects.get(pk=seen[0]["id"]).archived_at is not None
    lua_json(client.delete(f"/api/entries/{seen[1]['id']}.json", **auth))
    assert not Article.objects.for_user(who.user).filter(pk=seen[1]["id"]).exists()


def wallabagger_fetch(client: Client, method: str, url: str, token: str = "", content=None):
    """``FetchApi.#fetch``: JSON headers always, the body JSON-encoded when there is one; ``response.ok``
    or an error carrying the parsed JSON."""
    headers = {"HTTP_ACCEPT": "application/json"}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = json.dumps(content) if content is not None else ""
    response = getattr(client, method)(url, data, content_type="application/json", **headers)
    assert response["Content-Type"] == "application/json"
    return response.status_code < 400, response.json()


def cut_article(data: dict) -> dict:
    """``cutArticle`` in background.js: the fields the extension keeps."""
    keys = ("id", "is_starred", "is_archived", "title", "url", "tags", "domain_name", "preview_picture")
    return {k: data[k] for k in keys}


def test_wallabagger_checks_the_version_signs_in_saves_a_page_as_seen_stars_archives_tags_and_deletes():
    who = api_user("firefox")
    client = Client()
    ok, version = wallabagger_fetch(client, "get", "/api/version")
    major, minor = (int(x) for x in version.split(".")[:2])
    assert ok and (major > 2 or (major == 2 and minor >= 4))  # so it asks "exists" by hashed_url

    ok, token = wallabagger_fetch(client, "post", "/oauth/v2/token", "", who.password_grant())
    assert ok and token["access_token"] and token["refresh_token"] and token["expires_in"]
    access = token["access_token"]

    url = "https://paywalled.invalid/story?id=7&ref=a%2Fb"
    hashed = hashlib.sha1(url.encode()).hexdigest()  # utils/url.js hashUrl: the raw URL
    ok, exists = wallabagger_fetch(client, "get", f"/api/entries/exists.json?hashed_url={hashed}", access)
    assert ok and exists["exists"] is False

    # savePage with content "retrieved from the browser": {url, title, content}; origin_url undefined is dropped.
    page = {"url": url, "title": "Ferry, as seen", "content": "<html>" + FERRY.read_bytes().decode() + "</html>"}
    ok, saved = wallabagger_fetch(client, "post", "/api/entries.json", access, page)
    article = cut_article(saved)
    assert ok and isinstance(article["id"], int) and article["is_starred"] == 0 and article["is_archived"] == 0
    assert Article.objects.get(pk=article["id"]).captured
    ok, exists = wallabagger_fetch(client, "get", f"/api/entries/exists.json?hashed_url={hashed}", access)
    assert exists["exists"] is True

    # saveStarred / saveArchived send msg.value ? 1 : 0 and read is_starred / is_archived back.
    ok, data = wallabagger_fetch(client, "patch", f"/api/entries/{article['id']}.json", access, {"starred": 1})
    assert ok and (data["is_starred"], data["is_archived"]) == (1, 0)
    ok, data = wallabagger_fetch(client, "patch", f"/api/entries/{article['id']}.json", access, {"archive": 1})
    assert ok and data["is_archived"] == 1
    # saveTags sends the comma-separated tagList; the popup reads data.tags[].label and .id.
    ok, data = wallabagger_fetch(client, "patch", f"/api/entries/{article['id']}.json", access, {"tags": "boats,news"})
    labels = {t["label"]: t["id"] for t in data["tags"]}
    assert ok and set(labels) == {"boats", "news"}
    ok, all_tags = wallabagger_fetch(client, "get", "/api/tags.json", access)
    assert ok and {t["label"] for t in all_tags} == {"boats", "news"}
    ok, data = wallabagger_fetch(client, "delete", f"/api/entries/{article['id']}/tags/{labels['news']}.json", access)
    assert ok and [t["label"] for t in data["tags"]] == ["boats"]
    ok, _ = wallabagger_fetch(client, "delete", f"/api/entries/{article['id']}.json", access)
    assert ok and not Article.objects.for_user(who.user).exists()
    # Any failure is a JSON body it can show.
    ok, error = wallabagger_fetch(client, "delete", f"/api/entries/{article['id']}.json", access)
    assert not ok and error["error"] and error["error_description"]


RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:?\d\d|Z)$")


def android_entry_is_readable(entry: dict) -> None:
    """What moshi needs to build the wrapper's ``Article``: int id and reading_time, flags as "1"/"0"
    strings (``NumericBooleanAdapter.fromJson(String)``: a JSON number reads as its digits, a boolean
    fails), ``Tag`` ints, and dates ``Rfc3339DateJsonAdapter`` parses."""
    assert isinstance(entry["id"], int) and isinstance(entry["reading_time"], int)
    for flag in ("is_archived", "is_starred"):
        assert type(entry[flag]) is int and str(entry[flag]) in ("0", "1")
    for key in ("created_at", "updated_at"):
        assert RFC3339.match(entry[key]), entry[key]
    for key in ("archived_at", "starred_at", "published_at"):
        assert entry[key] is None or RFC3339.match(entry[key])
    assert all(isinstance(t["id"], int) and t["label"] for t in entry["tags"])


def test_the_android_app_connects_syncs_and_changes_articles():
    who = api_user("phone")
    client = Client()
    accept_any = {"HTTP_ACCEPT": "*/*"}
    assert client.get("/api/version.json").json() == "2.6.10"
    info = client.get("/api/info.json").json()
    assert info["version"] == "2.6.10" and isinstance(info["allowed_registration"], bool)

    # TokenRefreshingInterceptor.getAccessToken(false): a form, client_id and secret first.
    form = {
        "client_id": who.client_id,
        "client_secret": who.client_secret,
        "grant_type": "password",
        "username": who.username,
        "password": who.password,
    }
    token = client.post("/oauth/v2/token", form, HTTP_ACCEPT="*/*").json()
    assert isinstance(token["expires_in"], int) and token["token_type"].lower() == "bearer"
    auth = {"HTTP_AUTHORIZATION": "Bearer " + token["access_token"], **accept_any}

    # testServerAccessibility: exists for a bare host name must not be a 404.
    probe = client.get("/api/entries/exists.json?url=wallabag-apiwrapper-test.example.com", **auth)
    assert probe.status_code == 200 and probe.json() == {"exists": False}

    first = make_article(who.user, "One", tags=["a"])
    add_summary(first, ["First sentence of the story."])
    make_article(who.user, "Two", favourite=True, read_at=datetime.now().astimezone())

    # ArticleUpdater, full sync: sort=created&order=asc&detail=full&since=0, pages of 30.
    full = client.get("/api/entries.json?sort=created&order=asc&detail=full&since=0&page=1&perPage=30", **auth).json()
    assert (full["page"], full["pages"], full["total"]) == (1, 1, 2)  # page == pages: the iterator stops
    items = full["_embedded"]["items"]
    assert [i["title"] for i in items] == ["One", "Two"]
    for entry in items:
        android_entry_is_readable(entry)
    latest = max(int(datetime.strptime(i["updated_at"], "%Y-%m-%dT%H:%M:%S%z").timestamp()) for i in items)

    # Incremental sync: sort=updated&order=asc&since=<latest updatedAt, seconds>: nothing new yet.
    again = client.get(f"/api/entries.json?sort=updated&order=asc&detail=full&since={latest}&page=1&perPage=30", **auth)
    assert again.json()["total"] == 0
    # DeletedArticleSweeper: perPage=1&detail=metadata, reads total.
    sweep = client.get("/api/entries.json?sort=created&order=desc&detail=metadata&since=0&page=1&perPage=1", **auth)
    assert sweep.json()["total"] == 2 and sweep.json()["_embedded"]["items"][0]["content"] is None

    # OfflineChangesSynchronizer: addArticle (form: url, archive), modifyArticle (form), addTags (form).
    added = client.post(
        "/api/entries.json", {"url": "https://news.example.com/offline", "archive": "0", "tags": "x"}, **auth
    )
    android_entry_is_readable(added.json())
    modified = client.patch(
        f"/api/entries/{first.pk}.json", "archive=1&starred=0", content_type="application/x-www-form-urlencoded", **auth
    )
    assert modified.json()["is_archived"] == 1
    tagged = client.post(f"/api/entries/{first.pk}/tags.json", {"tags": "b,c"}, **auth).json()
    assert sorted(t["label"] for t in tagged["tags"]) == ["a", "b", "c"]
    assert client.patch(f"/api/entries/{first.pk}/reload.json", **auth).status_code == 200
    assert isinstance(client.get(f"/api/entries/{first.pk}/tags.json", **auth).json(), list)
    gone = client.delete(f"/api/entries/{first.pk}.json?expect=id", **auth).json()
    assert gone == {"id": first.pk}

    # TokenRefreshingInterceptor: a 401 makes it refresh with the refresh_token grant (form).
    refresh = {
        "client_id": who.client_id,
        "client_secret": who.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": token["refresh_token"],
    }
    renewed = client.post("/oauth/v2/token", refresh, HTTP_ACCEPT="*/*")
    assert renewed.status_code == 200 and renewed.json()["access_token"] != token["access_token"]
