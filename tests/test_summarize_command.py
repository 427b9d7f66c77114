"""``manage.py summarize`` through call_command: stdin text, JSON lines, clean errors (no database)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

TEXT = (
    "The city council voted on Tuesday to build a riverside park on the site of the old docks.\n"
    "The park will include a playground, a cycle path and a floating café on the river.\n"
    "Council members said the docks had stood empty for more than twenty years.\n"
    "Work on the park is expected to start next spring and to take two years.\n"
)


def _run(*args: str, stdin: str = "") -> list[dict]:
    out = io.StringIO()
    call_command("summarize", *args, stdin=io.StringIO(stdin), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_text_on_stdin_gives_one_json_line() -> None:
    [result] = _run("--sentences", "2", "--algorithm", "lexrank", stdin=TEXT)
    assert len(result["sentences"]) == 2
    assert all(sentence in TEXT for sentence in result["sentences"])


def test_empty_stdin_gives_an_empty_summary() -> None:
    assert _run(stdin="") == [{"sentences": [], "language": "en"}]


PORTUGUESE = (
    "A câmara municipal aprovou na terça-feira a construção de um parque junto ao rio.\n"
    "O parque terá um parque infantil, uma ciclovia e um café flutuante no rio.\n"
    "Os vereadores disseram que as docas estavam vazias há mais de vinte anos.\n"
    "As obras devem começar na próxima primavera e durar dois anos.\n"
)


def test_the_language_is_detected_when_not_given(tmp_path: Path) -> None:
    [result] = _run("--sentences", "2", stdin=PORTUGUESE)
    assert result["language"] == "pt" and len(result["sentences"]) == 2
    [given] = _run("--sentences", "2", "--language", "pt-BR", stdin=PORTUGUESE)
    assert given["language"] == "pt-BR"
    source = tmp_path / "mixed.jsonl"
    source.write_text(json.dumps({"id": 1, "text": PORTUGUESE}) + "\n" + json.dumps({"id": 2, "text": TEXT}) + "\n")
    assert [r["language"] for r in _run("--jsonl", str(source))] == ["pt", "en"]


def test_an_unknown_language_code_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="unknown language code 'xx'"):
        _run("--language", "xx", stdin=TEXT)
    source = tmp_path / "bad-language.jsonl"
    source.write_text(json.dumps({"id": 1, "text": TEXT, "language": "english"}) + "\n")
    with pytest.raises(CommandError, match="line 1: unknown language code 'english'"):
        _run("--jsonl", str(source))


def test_jsonl_file_one_object_per_line_with_its_language(tmp_path: Path) -> None:
    source = tmp_path / "articles.jsonl"
    items = [
        {"id": 1, "text": TEXT},
        {
            "id": "zh-1",
            "text": "市政府周一开会讨论新公园。新公园将建在河边。公园工程明年春天开始。",
            "language": "zh",
        },
        {"id": 3, "text": ""},
    ]
    source.write_text(
        "\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n",
        encoding="utf-8",
    )
    results = _run("--jsonl", str(source), "--sentences", "1")
    assert [r["id"] for r in results] == [1, "zh-1", 3]
    assert len(results[0]["sentences"]) == 1 and results[0]["sentences"][0] in TEXT
    assert results[1]["sentences"][0].endswith("。")
    assert results[2]["sentences"] == []


def test_jsonl_from_stdin() -> None:
    results = _run("--jsonl", "-", stdin=json.dumps({"id": "a", "text": TEXT}) + "\n")
    assert results[0]["id"] == "a" and len(results[0]["sentences"]) == 3


def test_unknown_algorithm_and_bad_input_are_command_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="unknown algorithm"):
        _run("--algorithm", "bart", stdin=TEXT)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="line 1"):
        _run("--jsonl", str(bad))
    with pytest.raises(CommandError, match="cannot read"):
        _run("--jsonl", str(tmp_path / "missing.jsonl"))


def test_edmundson_is_offered_when_the_settings_give_its_cue_words(settings) -> None:
    with pytest.raises(CommandError, match="unknown algorithm"):
        _run("--algorithm", "edmundson", stdin=TEXT)
    settings.DIGEST_SUMMARY_BONUS_WORDS = ["park", "council"]
    settings.DIGEST_SUMMARY_STIGMA_WORDS = ["café"]
    [result] = _run("--algorithm", "edmundson", "--sentences", "2", stdin=TEXT)
    assert len(result["sentences"]) == 2
