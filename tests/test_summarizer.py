"""Sentence splitting, every algorithm on odd input, languages, and our fast versions against sumy."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from reader.rendering import paragraphs_with_marks
from summaries import summarizer
from summaries.summarizer import (
    SummaryOptions,
    SummarySentence,
    UnknownAlgorithm,
    algorithms,
    available_algorithms,
    is_heading,
    split_sentences,
    summarize,
    sumy_classes,
)
from summaries.summarizer.text import language_resources, prepare
from summaries.summarizer.tokenizers import SumyTokenizer

REPO = Path(__file__).resolve().parent.parent
# Short news articles written for these tests: a headline line, then one paragraph per line.
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "summaries"
ARTICLES = ("harbour-ferry.txt", "comet-survey.txt", "library-hours.txt")

STORY = (
    "City council approves new riverside park\n"
    "The city council voted on Tuesday to build a riverside park on the site of the old docks.\n"
    "The park will include a playground, a cycle path and a floating café on the river.\n"
    "Council members said the docks had stood empty for more than twenty years.\n"
    "Work on the park is expected to start next spring and to take two years.\n"
    "Related stories\n"
    "Residents who spoke at the meeting asked the council to keep the old cranes on the site.\n"
    "The council said the cranes would stay and be lit at night as part of the park.\n"
)


def _texts(summary: list[SummarySentence]) -> list[str]:
    return [s.text for s in summary]


# --- splitting --------------------------------------------------------------------------------------


def test_spans_point_into_the_text_and_nothing_is_dropped() -> None:
    text = "  First line here.  Second one!\n\n  Third line without a stop\r\nFourth? Yes.  "
    sentences = split_sentences(text)
    assert _texts(sentences) == [
        "First line here.",
        "Second one!",
        "Third line without a stop",
        "Fourth?",
        "Yes.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_abbreviations_and_initials_do_not_end_sentences() -> None:
    text = (
        "Mr. J. R. Smith met Prof. Jones at 5 p.m. on Main St. in the U.S. capital. "
        "They discussed e.g. budgets, i.e. money. The U.S. The end."
    )
    assert _texts(split_sentences(text)) == [
        "Mr. J. R. Smith met Prof. Jones at 5 p.m. on Main St. in the U.S. capital.",
        "They discussed e.g. budgets, i.e. money.",
        "The U.S.",
        "The end.",
    ]


def test_german_abbreviations_and_ordinals() -> None:
    text = "Am 3. Oktober kam z.B. Dr. Müller mit 5 Mio. Euro nach Berlin. Er sagte: „Das ist gut.“ Dann ging er."
    assert _texts(split_sentences(text, "de")) == [
        "Am 3. Oktober kam z.B. Dr. Müller mit 5 Mio. Euro nach Berlin.",
        "Er sagte: „Das ist gut.“",
        "Dann ging er.",
    ]


def test_lower_cased_ptb_text_still_splits() -> None:
    text = "the u.s. army said on monday it would leave . '' we are done , '' he said . the end ."
    assert _texts(split_sentences(text)) == [
        "the u.s. army said on monday it would leave . ''",
        "we are done , '' he said .",
        "the end .",
    ]


def test_cjk_sentences_split_without_spaces_and_keep_an_unpunctuated_end() -> None:
    assert _texts(split_sentences("东京今天晴。明天会下雨吗？会的！最后一句没有句号", "zh")) == [
        "东京今天晴。",
        "明天会下雨吗？",
        "会的！",
        "最后一句没有句号",
    ]
    assert _texts(split_sentences("今日は晴れです。「明日は雨？」そうです", "ja")) == [
        "今日は晴れです。",
        "「明日は雨？」",
        "そうです",
    ]


# --- summaries ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", summarizer.ALGORITHMS)
def test_every_algorithm_gives_sentences_of_the_text_in_document_order(
    algorithm: str,
) -> None:
    summary = summarize(STORY, algorithm=algorithm, sentences=3, title="Riverside park approved")
    assert len(summary) == 3
    assert set(summary) <= set(split_sentences(STORY))
    assert [s.start for s in summary] == sorted(s.start for s in summary)
    # Headings are never summary sentences.
    assert not {"City council approves new riverside park", "Related stories"} & set(_texts(summary))


@pytest.mark.parametrize("algorithm", summarizer.ALGORITHMS)
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "Advertisement",
        "!!! ??? 1. 2. 3.",
        "SHOUTING ALL DAY. AND ALL NIGHT TOO. YES WE DO.",
        "word " * 50,
        "a. b. c. d. e.",
        "Ünïcödé ñame. 東京 한국어 text here.\n" * 3,
    ],
)
def test_odd_text_never_raises_and_returns_at_most_what_is_there(algorithm: str, text: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = summarize(text, algorithm=algorithm, sentences=3)
    assert len(summary) <= min(3, len(split_sentences(text)))
    assert set(summary) <= set(split_sentences(text))


def test_empty_text_and_unknown_algorithm() -> None:
    assert summarize("") == []
    assert summarize(STORY, sentences=0) == []
    with pytest.raises(UnknownAlgorithm):
        summarize(STORY, algorithm="bart")
    assert isinstance(UnknownAlgorithm("x"), ValueError)


def test_edmundson_is_offered_only_when_configured() -> None:
    assert "edmundson" not in summarizer.ALGORITHMS
    assert "edmundson" not in available_algorithms() and "edmundson" not in available_algorithms(SummaryOptions())
    with pytest.raises(UnknownAlgorithm):
        summarize(STORY, algorithm="edmundson")
    options = SummaryOptions(bonus_words=frozenset({"park", "council"}), stigma_words=frozenset({"café"}))
    assert "edmundson" in available_algorithms(options)
    summary = summarize(STORY, algorithm="edmundson", sentences=2, max_words=None, options=options)
    assert summary == summarizer.sumy_reference(STORY, algorithm="edmundson", sentences=2, options=options)
    assert len(summary) == 2
    assert "edmundson" not in available_algorithms(SummaryOptions(bonus_words=frozenset({"park"})))


def test_word_cap_skips_a_run_on_sentence_for_the_next_best() -> None:
    run_on = "The council said the park " + "and the river and the docks " * 12 + "would open soon."
    text = STORY.replace("Related stories\n", run_on + "\n")
    capped = summarize(text, algorithm="reduction", sentences=2, max_words=40)
    uncapped = summarize(text, algorithm="reduction", sentences=2, max_words=None)
    assert run_on in _texts(uncapped)
    assert run_on not in _texts(capped) and len(capped) == 2
    assert sum(len(s.text.split()) for s in capped) <= 40


# Twelve words, no final punctuation: its first n words are the line under test.
UNPUNCTUATED = "Residents ask the council to keep the old cranes on the docks"


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        (" ".join(UNPUNCTUATED.split()[:9]), True),
        (" ".join(UNPUNCTUATED.split()[:10]), False),
        (" ".join(UNPUNCTUATED.split()[:11]), False),
        (UNPUNCTUATED, False),
        (" ".join(UNPUNCTUATED.split()[:9]) + ".", False),
    ],
)
def test_a_line_is_a_heading_in_the_full_text_iff_it_is_never_a_summary_sentence(line: str, heading: bool) -> None:
    # One heading rule (summaries.summarizer.text.is_heading): reader.rendering shows the line as a
    # heading exactly when no algorithm can choose it.
    text = STORY.replace("Related stories", line)
    [paragraph] = [p for p in paragraphs_with_marks(text, []) if "".join(s.text for s in p.segments) == line]
    assert paragraph.heading is heading
    assert is_heading(line) is heading
    every = split_sentences(text)
    candidates = summarize(text, sentences=len(every), max_words=None)
    assert len(candidates) < len(every)  # the headline is a heading: these are the candidates, not every line
    # A line without final punctuation that is no heading is chosen only where most lines are like it.
    assert (line in _texts(candidates)) is (not heading and line.endswith("."))
    checklist = "\n".join([line, *(f"Item number {n} of the list to pack for the walk" for n in range(6))])
    assert (line in _texts(summarize(checklist, sentences=7, max_words=None))) is not heading


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "de",
            (
                "Der Stadtrat hat am Dienstag einen neuen Park beschlossen. Die Häuser am Fluss bleiben stehen. "
                "Der Park soll im nächsten Frühjahr gebaut werden. Die Bürger freuen sich über den neuen Park."
            ),
        ),
        (
            "ru",
            (
                "Городской совет одобрил новый парк у реки. Строительство парка начнётся весной. "
                "Жители давно просили построить парк. Старые краны останутся в парке."
            ),
        ),
        (
            "ko",
            (
                "시의회가 화요일에 새 공원 건설을 승인했다. 공원은 옛 부두 자리에 들어선다. "
                "공사는 내년 봄에 시작될 예정이다. 주민들은 공원 건설을 환영했다."
            ),
        ),
        (
            "ja",
            (
                "市議会は火曜日に新しい公園の建設を承認した。公園は古い港の跡地に作られる。"
                "工事は来年の春に始まる予定だ。住民は公園の建設を歓迎した"
            ),
        ),
        (
            "xx",
            "Zorblat vinta kor mesh palu. Vinta kor dassa meru tol. Palu dassa ven kori. Mesh vinta palu ora.",
        ),
    ],
)
def test_languages_summarize_without_downloads(language: str, text: str) -> None:
    sentences = split_sentences(text, language)
    assert len(sentences) == 4
    for algorithm in summarizer.ALGORITHMS:
        summary = summarize(text, language=language, algorithm=algorithm, sentences=2)
        assert len(summary) == 2 and set(summary) <= set(sentences)


def test_sumy_stemmer_and_stop_words_are_used() -> None:
    german = language_resources("de")
    assert german.stem("häuser") == "haus" and "und" in german.stop_words
    assert language_resources("xx").stop_words == frozenset()
    assert "de" in summarizer.supported_languages() and "zh" in summarizer.supported_languages()


def test_only_the_first_candidates_are_scored() -> None:
    line = "Sentence number {} talks about the river park and the council vote today."
    text = "\n".join(line.format(i) for i in range(summarizer.MAX_CANDIDATES + 200))
    summary = summarize(text, algorithm="lexrank", sentences=3)
    cap_offset = text.index(line.format(summarizer.MAX_CANDIDATES))
    assert len(summary) == 3 and all(s.end <= cap_offset for s in summary)


def test_self_check_passes_here_and_names_a_missing_numpy() -> None:
    summarizer.self_check()
    code = "import sys; sys.modules['numpy'] = None\nfrom summaries.summarizer import self_check\nself_check()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr and "numpy" in result.stderr


# --- our fast versions pick what sumy picks ---------------------------------------------------------


def _bbc_articles(shared_dir: Path, count: int) -> list[tuple[str, str]]:
    files = sorted((shared_dir / "bench" / "summarization" / "bbc-news-summary" / "News Articles").glob("*/*.txt"))
    articles = []
    for path in files[:: len(files) // count][:count]:
        title, _, body = path.read_bytes().decode("utf-8", "replace").partition("\n")
        articles.append((title, "\n".join(line for line in body.splitlines() if line.strip())))
    return articles


def _fixture_articles() -> list[tuple[str, str]]:
    articles = []
    for name in ARTICLES:
        title, _, body = (FIXTURES / name).read_text(encoding="utf-8").partition("\n")
        articles.append((title, body))
    return articles


CHINESE = (
    "市政府周一开会讨论新公园。新公园将建在河边。公园工程明年春天开始。市民欢迎新公园的建设，希望河边的公园早日开放"
)
FAST_SUMY_ALGORITHMS = [a for a in summarizer.SUMY_ALGORITHMS if a != "lsa"]


def _assert_same_sentences_as_sumy(algorithm: str, cases: list[tuple[str, str]]) -> None:
    for title, text in cases:
        language = "zh" if "公园" in text else "en"
        for count in (1, 3, 5):
            ours = summarize(
                text,
                language=language,
                algorithm=algorithm,
                sentences=count,
                title=title,
                max_words=None,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = summarizer.sumy_reference(
                    text,
                    language=language,
                    algorithm=algorithm,
                    sentences=count,
                    title=title,
                )
            assert ours == theirs, (algorithm, count, text[:60])


@pytest.mark.parametrize("algorithm", FAST_SUMY_ALGORITHMS)
def test_same_sentences_as_sumy(algorithm: str) -> None:
    _assert_same_sentences_as_sumy(algorithm, [("", STORY), *_fixture_articles(), ("", CHINESE)])


@pytest.mark.parametrize("algorithm", FAST_SUMY_ALGORITHMS)
def test_same_sentences_as_sumy_on_bbc_articles(shared_dir: Path, algorithm: str) -> None:
    _assert_same_sentences_as_sumy(algorithm, [("", STORY), *_bbc_articles(shared_dir, 12), ("", CHINESE)])


def _assert_lsa_ranks_equal_sumys_svd_ranks(cases: list[tuple[str, str]]) -> None:
    # sumy's LSA ranks tie often (same number of distinct words); its SVD then orders ties by
    # floating-point noise, so we compare the ranks themselves.
    import numpy as np

    for title, text in cases:
        article = prepare(text, "en", title)
        lsa = sumy_classes.sumy_summarizer("lsa", article.lang)
        document = sumy_classes.sumy_document(article)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matrix = lsa._compute_term_frequency(lsa._create_matrix(document, lsa._create_dictionary(document)))
        _, sigma, v = np.linalg.svd(matrix, full_matrices=False)
        assert np.allclose(algorithms.lsa(article), lsa._compute_ranks(sigma, v))


def test_lsa_ranks_equal_sumys_svd_ranks() -> None:
    _assert_lsa_ranks_equal_sumys_svd_ranks([("", STORY), *_fixture_articles()])


def test_lsa_ranks_equal_sumys_svd_ranks_on_bbc_articles(shared_dir: Path) -> None:
    _assert_lsa_ranks_equal_sumys_svd_ranks([("", STORY), *_bbc_articles(shared_dir, 8)])


def _assert_sumy_parser_needs_no_punkt(text: str, first: str) -> None:
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer

    document = PlaintextParser.from_string(text, SumyTokenizer("en")).document
    assert len(document.sentences) == 6
    assert str(document.sentences[0]).startswith(first)
    assert len(LexRankSummarizer()(document, 2)) == 2


def test_sumy_parser_with_our_tokenizer_needs_no_punkt() -> None:
    text = (FIXTURES / "clinic-opening.txt").read_text(encoding="utf-8")
    _assert_sumy_parser_needs_no_punkt(text, "Dr. Rosa Lindqvist opened")


def test_sumy_parser_with_our_tokenizer_needs_no_punkt_on_the_shared_case(cases_dir: Path) -> None:
    text = (cases_dir / "24-nltk-punkt-missing.txt").read_text(encoding="utf-8")
    _assert_sumy_parser_needs_no_punkt(text, "Dr. Helen Okoro opened")


QUOTED = "\n".join(
    [
        "The harbour board voted on Tuesday to keep the night ferry to Kessing Island running through winter.",
        '"The night ferry keeps the island alive through winter," said the harbour master.',
        '"Without the ferry the island empties," said a councillor on the island.',
        '"We need the ferry every night of the winter," said the owner of the island bakery.',
        '"The ferry is the island," said a fisherman who takes the night ferry twice a week.',
        "The board will pay for the extra winter crossings from its reserve until the spring.",
        "Ticket prices for the night ferry stay the same, and the timetable is unchanged.",
    ]
)


@pytest.mark.parametrize("algorithm", ["lexrank", "textrank", "luhn", "lsa", "digest"])
def test_a_summary_is_not_a_string_of_loose_quotations(algorithm: str) -> None:
    # Each quotation repeats the story's words, so the graph methods rank them all first; three of
    # them would say what people said and not what happened.
    chosen = summarizer.summarize(QUOTED, algorithm=algorithm, sentences=3)
    assert len(chosen) == 3
    assert sum(s.text.startswith('"') for s in chosen) <= 1, [s.text for s in chosen]
    only_quotes = "\n".join(line for line in QUOTED.split("\n") if line.startswith('"'))
    assert len(summarizer.summarize(only_quotes, algorithm=algorithm, sentences=3)) == 3  # nothing else left
