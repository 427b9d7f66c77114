"""Every import format, from the repository's own small files: detected from the content, columns and
keys matched by name, dates in the right unit, states and tags as the rival app meant them."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, datetime

import pytest

from reader.transfer.importers import BadEntry, Entry, UnreadableFile, parse_file
from tests.transfer_samples import IMPORTS, corrupt_pocket_zip, omnivore_zip, pdf, png, pocket_zip, random_gzip


def parsed(data: bytes, **options) -> tuple[str, list[Entry], list[BadEntry]]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a zip with a duplicate name must not warn its way through either
        result = parse_file(io.BytesIO(data), **options)
        items = list(result.entries)
    return result.format, [e for e in items if isinstance(e, Entry)], [e for e in items if isinstance(e, BadEntry)]


def read(name: str, **options):
    return parsed((IMPORTS / name).read_bytes(), **options)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_pocket_csv_2024_header_with_cursor_and_a_bom():
    kind, entries, bad = read("pocket-2024.csv")
    assert kind == "pocket_csv" and not bad
    assert [e.url for e in entries] == [
        "https://tides.example.org/wenlow",
        "https://harbour.example.com/quiet?utm_source=pocket",
        "https://bare.example.net/page",
    ]
    first, second, third = entries
    assert first.tags == ["sea", "maps"] and first.saved_at == at(2023, 11, 14, 22, 13, 20)
    assert (first.read, first.archived) == (False, False) and (second.read, second.archived) == (True, True)
    assert second.title == 'A "quiet" harbour, at last' and second.tags == []  # never the cursor
    assert third.title == ""  # Pocket's title equal to the URL means none
    assert first.position == "line 2"


def test_pocket_csv_2025_header_keeps_a_line_break_in_a_title_and_names_lines():
    kind, entries, bad = read("pocket-2025.csv")
    assert kind == "pocket_csv" and not bad
    assert entries[0].tags == ["travel", "rail"] and entries[0].archived
    assert entries[1].title == "Title with a line break" and entries[1].position == "line 3"
    assert entries[2].url == "ftp://files.example.org/x" and entries[2].position == "line 5"


def test_pocket_zip_reads_every_part_in_order():
    kind, entries, bad = parsed(pocket_zip())
    assert kind == "pocket_zip" and not bad
    assert [e.url.rsplit("/", 1)[1] for e in entries] == ["orchard", "hours", "timetable"]
    assert entries[2].position == "part_000001.csv line 2"


def test_pocket_html_sections_give_the_read_state_and_tags_split_on_commas():
    kind, entries, bad = read("ril_export.html")
    assert kind == "pocket_html" and not bad
    assert [(e.title, e.tags, e.read, e.archived) for e in entries] == [
        ("Moss gardens & shade", ["garden", "green"], False, False),
        ("No tags here", [], False, False),
        ("A read one", ["done"], True, True),
    ]
    assert entries[0].saved_at == at(2020, 9, 13, 12, 26, 40)


def test_instapaper_folders_become_states_or_tags():
    kind, entries, bad = read("instapaper.csv")
    assert kind == "instapaper_csv" and not bad
    swifts, herons, owls, gulls = entries
    assert swifts.highlight == "They fly for months." and swifts.tags == ["birds"] and not swifts.read
    assert herons.archived and herons.read and owls.starred and not owls.archived
    assert gulls.tags == ["coast", "birds", "Seabirds"] and gulls.title == "Gulls & terns"
    assert swifts.saved_at == at(2022, 4, 15, 5, 20)


def test_instapaper_older_header_without_time_or_tags():
    kind, entries, _ = read("instapaper-old.csv")
    assert kind == "instapaper_csv"
    assert [(e.url, e.saved_at, e.archived) for e in entries] == [
        ("https://old.example.org/one", None, False),
        ("https://old.example.org/two", None, True),
    ]


def test_netscape_dates_in_seconds_milliseconds_and_microseconds_folders_and_toread():
    kind, entries, bad = read("netscape.html")
    assert kind == "netscape_bookmarks" and not bad
    leek, rolls, micro, archived, nodate, bookmarklet = entries
    assert leek.saved_at == rolls.saved_at == micro.saved_at == at(2021, 5, 3, 0, 0)
    assert leek.title == "Leek soup & bread" and leek.description == "A thick soup for cold days."
    assert leek.folder == "Cooking" and rolls.folder == "Cooking/Baking" and micro.folder == ""
    assert not leek.read and rolls.read  # the file uses TOREAD: a bookmark without it was read
    assert archived.archived and archived.tags == ["kept"] and archived.notes == "My own note."
    assert nodate.saved_at is None and bookmarklet.url.startswith("javascript:")


def test_wallabag_json_flags_ids_offsets_content_and_annotations():
    kind, entries, bad = read("wallabag.json")
    assert kind == "wallabag_json" and not bad
    ridge, lake = entries
    assert ridge.saved_at == at(2019, 3, 4, 7, 15) and ridge.read and ridge.archived and not ridge.starred
    assert ridge.tags == ["mountains", "walks"] and ridge.authors == ["Rowan Hale"] and ridge.language == "en"
    assert ridge.content and b"drovers' road" in ridge.content and ridge.published_at == at(2019, 3, 1, 8)
    assert ridge.notes == "> the best walk in the county\n\nDo this in May."
    assert lake.starred and not lake.archived and lake.content is None and lake.published_at is None


def test_omnivore_zip_pages_highlights_and_newsletters():
    kind, entries, bad = parsed(omnivore_zip())
    assert kind == "omnivore_zip"
    bees, grants, letter = entries
    assert bees.tags == ["bees", "farming"] and bees.saved_at == at(2024, 6, 1, 8, 30)
    assert bees.content and b"Lune valley" in bees.content and bees.authors == ["Mara Ellis"]
    assert bees.notes.startswith("> many hives producing twice") and bees.reading_progress == 40
    assert grants.archived and grants.read and grants.content is None and grants.published_at is None
    assert letter.url.startswith("https://omnivore.app/no_url?q=") and letter.content
    assert [(b.position, b.url.startswith("https://omnivore.app/no_url")) for b in bad] == [
        ("metadata_20_to_40.json entry 1", True)
    ]


def test_readwise_csv_python_tag_lists_feed_rows_and_favorite():
    kind, entries, bad = read("readwise.csv")
    assert kind == "readwise_csv"
    walls, untitled, mixed = entries
    assert walls.tags == ["history", "don't miss"] and walls.starred and walls.reading_progress == 0.5
    assert walls.saved_at == datetime(2025, 1, 20, 22, 13, 2, 447000, tzinfo=UTC)
    assert untitled.title == "" and untitled.archived and mixed.tags == ["peanut, butter", "jam"]
    assert len(bad) == 1 and bad[0].skipped and bad[0].position == "line 4"


def test_karakeep_json_lists_notes_and_text_bookmarks():
    kind, entries, bad = read("karakeep.json")
    assert kind == "karakeep_json"
    birds, tides = entries
    assert (
        birds.folder == "Trips"
        and birds.notes == "Read before the trip."
        and birds.saved_at == at(2023, 11, 14, 22, 13, 20)
    )
    assert tides.archived and tides.title == ""
    assert len(bad) == 1 and "without a link" in bad[0].reason


def test_linkwarden_json_import_date_first_and_pinned_links_as_favourites():
    kind, entries, bad = read("linkwarden.json")
    assert kind == "linkwarden_json" and not bad
    glaciers, maps = entries
    assert glaciers.saved_at == at(2018, 6, 1, 10) and glaciers.tags == ["ice"] and glaciers.folder == "Science"
    assert maps.saved_at == at(2023, 2, 3, 4, 5, 6) and maps.starred and not glaciers.starred


def test_chrome_json_microseconds_since_1601_and_folders():
    kind, entries, bad = read("chrome-bookmarks.json")
    assert kind == "chrome_json" and not bad
    start, stunt = entries
    assert start.saved_at == datetime(2016, 9, 20, 13, 15, 29, 335823, tzinfo=UTC)
    assert start.folder == "" and stunt.folder == "Hobbies"


def test_firefox_json_tags_microseconds_and_smart_folders_skipped():
    kind, entries, bad = read("firefox-bookmarks.json")
    assert kind == "firefox_json"
    cake, town = entries
    assert cake.tags == ["cake", "plums"] and cake.folder == "Recipes" and cake.saved_at == at(2017, 11, 6, 20, 26, 40)
    assert town.folder == "" and [b.skipped for b in bad] == [True]


def test_plain_list_of_links():
    kind, entries, bad = read("urls.txt")
    assert kind == "url_list" and not bad
    assert [e.url for e in entries] == [
        "https://plain.example.org/one",
        "plain.example.org/two",
        "not",
        "https://plain.example.org/one#again",
    ]
    assert entries[1].position == "line 3"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<html><body><p>Just a page</p></body></html>", "could not tell"),
        (b'{"hello": "world"}', "not an export Digest knows"),
        (b"PK\x03\x04broken", "zip file is broken"),
        (b"name,colour\nkite,red\n", "could not tell"),
    ],
)
def test_a_file_digest_cannot_read_says_why(data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        parse_file(io.BytesIO(data))


def test_json_broken_in_the_middle_keeps_the_entries_before_it_and_says_where():
    data = (IMPORTS / "wallabag.json").read_bytes()
    cut = data[: data.index(b'"title": "Lake swimming rules"')]
    kind, entries, bad = parsed(cut)
    assert kind == "wallabag_json" and [e.title for e in entries] == ["Ridge walks above Carrow"]
    assert len(bad) == 1 and "breaks after entry 1" in bad[0].reason


def test_a_legacy_encoding_csv_is_decoded():
    data = "title,url,time_added,tags,status\nCafé crème,https://cafe.example.org/,1700000000,,unread\n".encode(
        "cp1252"
    )
    _, entries, _ = parsed(data)
    assert entries[0].title == "Café crème"


def test_a_format_can_be_named_instead_of_detected():
    kind, entries, _ = parsed(b"https://plain.example.org/a\n", format="url_list")
    assert kind == "url_list" and entries[0].url == "https://plain.example.org/a"
    with pytest.raises(UnreadableFile, match="Unknown format"):
        parse_file(io.BytesIO(b"x"), format="nope")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("pocket-2024.csv", "pocket_csv"),
        ("pocket-2025.csv", "pocket_csv"),
        ("instapaper.csv", "instapaper_csv"),
        ("instapaper-old.csv", "instapaper_csv"),
        ("readwise.csv", "readwise_csv"),
        ("urls.txt", "url_list"),
    ],
)
@pytest.mark.parametrize("ending", [b"\r", b"\r\n"], ids=["cr", "crlf"])
def test_lines_ending_in_cr_or_crlf_import_the_same_rows_as_lf(name, kind, ending):
    # Old Mac and some Excel exports end lines with a bare CR; Windows with CRLF.
    lf = (IMPORTS / name).read_bytes().replace(b"\r\n", b"\n")
    expected = parsed(lf)
    assert expected[0] == kind and expected[1]
    assert parsed(lf.replace(b"\n", ending)) == expected


@pytest.mark.parametrize(
    ("data", "named"),
    [(png(), "a PNG image"), (pdf(), "a PDF document"), (random_gzip(), "a gzip-compressed file")],
    ids=["png", "pdf", "gzip"],
)
@pytest.mark.parametrize("format", [None, "url_list", "pocket_csv", "wallabag_json"])
def test_a_binary_file_is_named_not_read_as_links(data, named, format):
    # Chosen as a list of links, a PNG used to become four "links" of binary garbage.
    with pytest.raises(UnreadableFile, match=f"^This file is not a format Digest can import: it is {named}"):
        parse_file(io.BytesIO(data), format=format)


def test_a_zip_member_that_breaks_while_read_keeps_the_rows_before_it():
    kind, entries, bad = parsed(corrupt_pocket_zip())
    assert kind == "pocket_zip" and len(entries) > 1000
    assert [e.url for e in entries[:1000]] == [f"https://rows.example.org/{i}" for i in range(1000)]
    assert len(bad) == 1 and f"breaks after entry {len(entries)}" in bad[0].reason
