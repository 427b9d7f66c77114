"""The summarizer against the shared cases whose text needs no extractor (plain text, JSON, and the
Chinese page 29, whose text is its ``<p>`` paragraphs). Fails on an expect key it does not know."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from summaries import summarizer
from tests.conftest import SHARED
from tests.open_cases import case_params

# Keys this test checks, and keys of the same cases that belong to the extractor/pipeline tests.
CHECKED = {
    "summary_language",
    "summary_sentences",
    "summary_sentences_requested",
    "summary_in_document_order",
    "summarizers",
    "sentence_count",
    "sentences_must_not_start_with",
    "expected_max_sentences",
    "doc_sentences_must_include",
    "summary_lines_only",
    "summary_includes_one_of",
    "must_not_raise",
    "text_contains",
}
DESCRIPTIVE = {"case", "input", "note"}
PIPELINE_ONLY = {"url", "title"}
SUMMARY_KEYS = CHECKED - {"must_not_raise", "text_contains"}

CASES = SHARED / "cases"


def _summarizer_cases() -> list[str]:
    names = []
    for expect in sorted(CASES.glob("*.expect.json")):
        data = json.loads(expect.read_text(encoding="utf-8"))
        source = data.get("input") or ""
        has_text = source.endswith((".txt", ".json")) or expect.name.startswith("29-")
        if has_text and SUMMARY_KEYS & data.keys():
            names.append(expect.name.removesuffix(".expect.json"))
    return names


def _texts(cases_dir: Path, expect: dict) -> dict[str, str]:
    path = cases_dir / expect["input"]
    if path.suffix == ".txt":
        return {"text": path.read_text(encoding="utf-8")}
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    # The extractor's job in production; here the article text is the page's paragraphs.
    page = lxml.html.parse(str(path))
    return {"text": "\n".join(p.text_content().strip() for p in page.iter("p"))}


@pytest.mark.parametrize("name", case_params(_summarizer_cases(), "summary") or ["no-cases-found"])
def test_case(cases_dir: Path, name: str) -> None:
    expect_path = cases_dir / f"{name}.expect.json"
    assert expect_path.is_file(), f"no summarizer cases found in {cases_dir}"
    expect = json.loads(expect_path.read_text(encoding="utf-8"))
    unknown = expect.keys() - CHECKED - DESCRIPTIVE - PIPELINE_ONLY
    assert not unknown, f"{name}: expect keys this test does not know: {sorted(unknown)}"

    texts = _texts(cases_dir, expect)
    language = expect.get("summary_language", "en")
    requested = expect.get("summary_sentences_requested", expect.get("summary_sentences", 3))
    algorithms = [*summarizer.ALGORITHMS, *expect.get("summarizers", [])]
    assert set(expect.get("summarizers", [])) <= set(summarizer.ALGORITHMS)

    for needle in expect.get("text_contains", []):
        assert any(needle in text for text in texts.values()), needle

    for label, text in texts.items():
        sentences = summarizer.split_sentences(text, language)
        assert all(text[s.start : s.end] == s.text for s in sentences)
        if "sentence_count" in expect:
            assert len(sentences) == expect["sentence_count"], [s.text for s in sentences]
        for prefix in expect.get("sentences_must_not_start_with", []):
            assert not [s.text for s in sentences if s.text.startswith(prefix)], prefix
        for must in expect.get("doc_sentences_must_include", []):
            assert any(must in s.text for s in sentences), must

        for algorithm in dict.fromkeys(algorithms):
            summary = summarizer.summarize(text, language=language, algorithm=algorithm, sentences=requested)
            assert set(summary) <= set(sentences), (algorithm, label)
            assert summary == sorted(summary, key=lambda s: s.start), (algorithm, label)
            if "expected_max_sentences" in expect:
                assert len(summary) <= expect["expected_max_sentences"][label], (
                    algorithm,
                    label,
                )
            elif "summary_sentences" in expect:
                assert len(summary) == expect["summary_sentences"], (
                    algorithm,
                    [s.text for s in summary],
                )
            if expect.get("summary_lines_only"):
                # No summary sentence runs over two lines (two list items, two paragraphs).
                assert all("\n" not in s.text for s in summary), (algorithm, [s.text for s in summary])
            if "summary_includes_one_of" in expect:
                assert {s.text for s in summary} & set(expect["summary_includes_one_of"]), (
                    algorithm,
                    [s.text for s in summary],
                )
