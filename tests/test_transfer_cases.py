"""The shared import cases (``../shared/cases/6x-import-*``): each file gives the entries its expect file
lists, in file order, through the parsers and through the import into a person's library. A key this
runner does not know fails the case, so no expectation is skipped silently."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files import File

from reader.models import Article
from reader.pipeline.saving import import_now
from reader.transfer.importers import BadEntry, Entry, parse_file

CASE_KEYS = {"case", "input", "import_format", "entries", "note", "must_not_raise"}
ENTRY_KEYS = {
    "url", "title", "tags", "saved_at", "read", "archived", "starred", "folder", "description", "highlight",
    "language", "has_content", "authors", "publish_date", "reading_progress",
}  # fmt: skip


def import_cases(cases_dir: Path) -> list[dict]:
    found = []
    for path in sorted(cases_dir.glob("*.expect.json")):
        expect = json.loads(path.read_text(encoding="utf-8"))
        if "import_format" in expect:
            found.append(expect)
    return found


@pytest.fixture(scope="module")
def cases(cases_dir):
    found = import_cases(cases_dir)
    assert found, f"no import cases in {cases_dir}"
    return found


def _iso(moment) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_values(entry: Entry) -> dict:
    return {
        "url": entry.url,
        "title": entry.title,
        "tags": entry.tags,
        "saved_at": _iso(entry.saved_at),
        "read": entry.read,
        "archived": entry.archived,
        "starred": entry.starred,
        "folder": entry.folder,
        "description": entry.description,
        "highlight": entry.highlight,
        "language": entry.language,
        "has_content": entry.has_content,
        "authors": entry.authors,
        "publish_date": entry.published_at.date().isoformat() if entry.published_at else None,
        "reading_progress": entry.reading_progress,
    }


def test_every_import_case_gives_its_entries(cases, cases_dir):
    for case in cases:
        assert set(case) <= CASE_KEYS, f"{case['case']}: unknown keys {set(case) - CASE_KEYS}"
        parsed = parse_file(io.BytesIO((cases_dir / case["input"]).read_bytes()))
        assert parsed.format == case["import_format"], case["case"]
        items = list(parsed.entries)
        entries = [e for e in items if isinstance(e, Entry)]
        assert not [e for e in items if isinstance(e, BadEntry)], case["case"]
        assert len(entries) == len(case["entries"]), case["case"]
        for number, (entry, want) in enumerate(zip(entries, case["entries"], strict=True), start=1):
            assert set(want) <= ENTRY_KEYS, f"{case['case']} entry {number}: unknown keys {set(want) - ENTRY_KEYS}"
            got = entry_values(entry)
            for key, value in want.items():
                assert got[key] == value, f"{case['case']} entry {number} {key}: {got[key]!r} != {value!r}"


@pytest.mark.django_db
def test_every_import_case_lands_in_the_library_with_its_dates_tags_and_states(cases, cases_dir):
    for case in cases:
        user = get_user_model().objects.create_user(f"case-{case['case'][:20]}")
        with open(cases_dir / case["input"], "rb") as stream:
            job = import_now(user=user, upload=File(stream), name=case["input"])
        assert job.created == len(case["entries"]) and not job.invalid, (case["case"], job.error)
        articles = {a.url: a for a in Article.objects.for_user(user).prefetch_related("tags")}
        for want in case["entries"]:
            article = articles[want["url"]]
            if want.get("saved_at"):
                assert _iso(article.created_at) == want["saved_at"], case["case"]
            assert sorted(t.name for t in article.tags.all()) == sorted(want["tags"]), case["case"]
            if want.get("title"):
                assert article.title == want["title"], case["case"]
            if "read" in want:
                assert (article.read_at is not None) == want["read"], case["case"]
            if "archived" in want:
                assert (article.archived_at is not None) == want["archived"], case["case"]
        with open(cases_dir / case["input"], "rb") as stream:
            second = import_now(user=user, upload=File(stream), name=case["input"])
        assert second.created == 0 and second.existing == len(case["entries"]), case["case"]
