"""JSON exports: wallabag v2, Omnivore's metadata, Karakeep, Linkwarden, Chrome and Firefox bookmarks,
and Digest's own (lossless) export.

The format is told from key names (``json_format``), never from the file name. The formats that can
be large (wallabag and Digest carry whole texts) are read as a stream with ijson, one entry at a
time; bookmark files are small and read whole. Fields: ``../shared/research/interop.md`` 1.5-1.11.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import IO, Any

import ijson

from reader.transfer.importers.entry import (
    BadEntry,
    Entry,
    any_time,
    chrome_time,
    clean_title,
    epoch,
    flag,
    iso_time,
    split_tags,
)

DIGEST_FORMAT = "digest"  # the "format" key of Digest's own export
PEEK_EVENTS = 20_000  # parser events read to tell the format


def json_format(stream: IO[bytes]) -> str | None:
    """The format of a JSON file from its key names: ``digest_json``, ``karakeep_json``,
    ``linkwarden_json``, ``chrome_json``, ``firefox_json`` (an object) or ``wallabag_json``,
    ``omnivore_json`` (an array of entries); None when it is JSON of another shape. Reads the start of
    ``stream`` and rewinds it. Raises ``ValueError`` when it is not JSON at all."""
    keys: set[str] = set()
    first: set[str] = set()
    top = ""
    values: dict[str, Any] = {}
    try:
        for prefix, event, value in islice(ijson.parse(stream), PEEK_EVENTS):
            if not top:
                top = event
            if top == "start_map" and event == "map_key" and prefix == "":
                keys.add(value)
            elif top == "start_map" and prefix in ("format", "type", "root") and event == "string":
                values[prefix] = value
            elif top == "start_array" and event == "map_key" and prefix == "item":
                first.add(value)
            elif top == "start_array" and event == "end_map" and prefix == "item":
                break
    except ijson.IncompleteJSONError:
        pass  # a file cut short: what was read decides, and reading it later says where it broke
    except ijson.JSONError as exc:
        raise ValueError(str(exc)) from None
    finally:
        stream.seek(0)
    if top == "start_map":
        if values.get("format") == DIGEST_FORMAT:
            return "digest_json"
        if "bookmarks" in keys:
            return "karakeep_json"
        if "collections" in keys or "pinnedLinks" in keys:
            return "linkwarden_json"
        if "roots" in keys:
            return "chrome_json"
        if values.get("type") == "text/x-moz-place-container" or values.get("root") or {"guid", "children"} <= keys:
            return "firefox_json"
        return None
    if top == "start_array":
        if "savedAt" in first or "slug" in first:
            return "omnivore_json"
        if first & {"is_archived", "is_starred", "given_url", "origin_url"} or not first:
            return "wallabag_json"
        if "url" in first:
            return "wallabag_json"
    if not top:
        raise ValueError("the file is empty")
    return None


def json_items(stream: IO[bytes], prefix: str) -> Iterator[tuple[int, Any]]:
    """(1-based number, object) of each item under ``prefix``, streamed; a break in the JSON ends
    the stream with ``ValueError`` naming the entry after the last good one."""
    number = 0
    try:
        for number, item in enumerate(ijson.items(stream, prefix, use_float=True), start=1):
            yield number, item
    except ijson.JSONError as exc:
        raise ValueError(f"the JSON breaks after entry {number}: {exc}") from None


def read_json(stream: IO[bytes], kind: str) -> Iterator[Entry | BadEntry]:
    """Entries of a JSON export of ``kind`` (a name ``json_format`` gives), in file order. Raises
    ``ValueError`` where the JSON breaks (entries before it have been given)."""
    if kind == "digest_json":
        for number, item in json_items(stream, "articles.item"):
            yield _object(item, number, digest_entry)
    elif kind == "wallabag_json":
        for number, item in json_items(stream, "item"):
            yield _object(item, number, wallabag_entry)
    elif kind == "omnivore_json":
        for number, item in json_items(stream, "item"):
            yield _object(item, number, omnivore_entry)
    elif kind == "karakeep_json":
        lists = {
            str(x.get("id")): x.get("name") or "" for _, x in json_items(stream, "lists.item") if isinstance(x, dict)
        }
        stream.seek(0)
        for number, item in json_items(stream, "bookmarks.item"):
            yield _object(item, number, lambda obj, pos: _karakeep(obj, pos, lists))
    elif kind == "linkwarden_json":
        pinned = {str(x.get("id")) for _, x in json_items(stream, "pinnedLinks.item") if isinstance(x, dict)}
        stream.seek(0)
        number = 0
        for _, collection in json_items(stream, "collections.item"):
            for link in collection.get("links") or [] if isinstance(collection, dict) else []:
                number += 1
                yield _object(link, number, lambda obj, pos, c=collection: _linkwarden(obj, pos, c, pinned))
    elif kind in ("chrome_json", "firefox_json"):
        try:
            tree = json.load(stream)
        except ValueError as exc:
            raise ValueError(f"the JSON is broken: {exc}") from None
        numbers = iter(range(1, 1 << 62))
        yield from _chrome(tree, numbers) if kind == "chrome_json" else _firefox(tree, [], numbers)


def _object(item: Any, number: int, parse) -> Entry | BadEntry:
    position = f"entry {number}"
    if not isinstance(item, dict):
        return BadEntry(position, "This entry is not an object.")
    try:
        return parse(item, position)
    except (TypeError, ValueError, AttributeError) as exc:
        return BadEntry(position, f"This entry could not be read ({exc}).", str(item.get("url") or ""))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def wallabag_entry(obj: dict, position: str) -> Entry:
    """An entry of wallabag's v2 JSON export: string or int ids, bool or 0/1 flags, ``+0200`` offsets,
    ``tags`` as strings (the export) or objects with ``label`` (the API), ``content`` HTML kept."""
    url = _text(obj.get("url")) or _text(obj.get("given_url")) or _text(obj.get("origin_url"))
    archived = flag(obj.get("is_archived"))
    content = obj.get("content")
    notes = [
        "\n\n".join(p for p in (_quote(a.get("quote")), _text(a.get("text"))) if p)
        for a in obj.get("annotations") or []
        if isinstance(a, dict)
    ]
    return Entry(
        url=url,
        position=position,
        title=clean_title(obj.get("title"), url),
        tags=split_tags(obj.get("tags") or []),
        saved_at=iso_time(obj.get("created_at")),
        read=archived,
        archived=archived,
        starred=flag(obj.get("is_starred")),
        authors=[a for a in obj.get("published_by") or [] if isinstance(a, str) and a.strip()],
        language=_text(obj.get("language"))[:8],
        published_at=iso_time(obj.get("published_at")),
        notes="\n\n".join(n for n in notes if n),
        content=content.encode() if isinstance(content, str) and content.strip() else None,
        content_type=_text(obj.get("mimetype")) or "text/html",
    )


def omnivore_entry(obj: dict, position: str) -> Entry:
    """An item of Omnivore's ``metadata_*.json``: ``state`` Archived is read and archived, ``labels``
    are tags, ``publishedAt`` may be null. The zip reader adds the page and the highlights."""
    url = _text(obj.get("url"))
    archived = _text(obj.get("state")).lower() == "archived"
    progress = obj.get("readingProgress")
    return Entry(
        url=url,
        position=position,
        title=clean_title(obj.get("title"), url),
        tags=split_tags(obj.get("labels") or []),
        saved_at=iso_time(obj.get("savedAt")),
        read=archived,
        archived=archived,
        description=_text(obj.get("description")),
        authors=[_text(obj.get("author"))] if _text(obj.get("author")) else [],
        published_at=iso_time(obj.get("publishedAt")),
        reading_progress=float(progress) if isinstance(progress, (int, float)) else None,
    )


def digest_entry(obj: dict, position: str) -> Entry:
    """An article of Digest's own export (``reader.transfer.exporters.library``); the whole object is
    kept as ``record`` so the import restores every field."""
    url = _text(obj.get("url"))
    return Entry(
        url=url,
        position=position,
        title=_text(obj.get("title")),
        tags=split_tags(obj.get("tags") or []),
        saved_at=iso_time(obj.get("saved_at")),
        read=bool(obj.get("read_at")),
        archived=bool(obj.get("archived_at")),
        starred=bool(obj.get("favourite")),
        authors=[a for a in obj.get("authors") or [] if isinstance(a, str)],
        language=_text(obj.get("language")),
        published_at=iso_time(obj.get("published_at")),
        notes=_text(obj.get("notes")),
        record=obj,
    )


def _karakeep(obj: dict, position: str, lists: dict[str, str]) -> Entry | BadEntry:
    found = obj.get("content")
    content: dict = found if isinstance(found, dict) else {}
    url = _text(content.get("url"))
    if not url:
        kind = content.get("type") or "empty"
        return BadEntry(position, f"A Karakeep {kind} bookmark without a link: Digest saves web pages.")
    folders = [lists.get(str(i), "") for i in obj.get("lists") or []]
    return Entry(
        url=url,
        position=position,
        title=clean_title(obj.get("title"), url),
        tags=split_tags(obj.get("tags") or []),
        saved_at=epoch(obj.get("createdAt")),
        read=flag(obj.get("archived")),
        archived=flag(obj.get("archived")),
        folder=next((f for f in folders if f), ""),
        notes=_text(obj.get("note")),
    )


def _linkwarden(obj: dict, position: str, collection: dict, pinned: set[str]) -> Entry:
    url = _text(obj.get("url"))
    return Entry(
        url=url,
        position=position,
        title=clean_title(obj.get("name"), url),
        tags=split_tags(obj.get("tags") or []),
        # A link Linkwarden itself imported keeps its first date in importDate.
        saved_at=any_time(obj.get("importDate")) or any_time(obj.get("createdAt")),
        starred=str(obj.get("id")) in pinned,
        folder=_text(collection.get("name")),
        description=_text(obj.get("description")),
    )


def _chrome(tree: Any, numbers: Iterator[int]) -> Iterator[Entry | BadEntry]:
    roots = tree.get("roots") if isinstance(tree, dict) else None
    for root in roots.values() if isinstance(roots, dict) else []:
        # The roots (bookmarks bar, other, mobile) are Chrome's own places, not the person's folders.
        yield from _chrome_node(root, [], numbers, top=True)


def _chrome_node(node: Any, path: list[str], numbers: Iterator[int], top: bool = False) -> Iterator[Entry | BadEntry]:
    if not isinstance(node, dict):
        return
    if node.get("type") == "url":
        url = _text(node.get("url"))
        yield Entry(
            url=url,
            position=f"entry {next(numbers)}",
            title=clean_title(node.get("name"), url),
            saved_at=chrome_time(node.get("date_added")),
            folder="/".join(path),
        )
        return
    name = _text(node.get("name"))
    inner = path if top or not name else [*path, name]
    for child in node.get("children") or []:
        yield from _chrome_node(child, inner, numbers)


def _firefox(node: Any, path: list[str], numbers: Iterator[int]) -> Iterator[Entry | BadEntry]:
    if not isinstance(node, dict):
        return
    uri = _text(node.get("uri"))
    if uri:
        position = f"entry {next(numbers)}"
        if uri.startswith("place:"):
            yield BadEntry(position, "A Firefox smart folder, not a page: skipped.", uri, skipped=True)
            return
        yield Entry(
            url=uri,
            position=position,
            title=clean_title(node.get("title"), uri),
            tags=split_tags(node.get("tags") or "", ","),
            saved_at=epoch(node.get("dateAdded")),
            folder="/".join(path),
        )
        return
    title = _text(node.get("title"))
    # The roots (menu, toolbar, unfiled) are Firefox's own places, not the person's folders.
    inner = path + [title] if title and not node.get("root") else path
    for child in node.get("children") or []:
        yield from _firefox(child, inner, numbers)


def _quote(text: Any) -> str:
    lines = _text(text).splitlines()
    return "\n".join(f"> {line}" for line in lines)
