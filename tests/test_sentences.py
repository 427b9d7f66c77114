"""What a sentence is, for the summary a person reads: quotations kept whole, datelines and list bullets
apart, glued full stops split; table rows, code, labels, tag lists and lines without a verb never chosen
(unless the text is mostly such lines); the stored text's blocks and how the full text shows them."""

from __future__ import annotations

import pytest

from bench.summary_sentences import faults
from reader.rendering import paragraphs_with_marks
from summaries.summarizer import split_sentences, summarize
from summaries.summarizer.blocks import CODE, FENCE, ROW, TEXT, code_block, line_kinds, span_kinds, table_row
from summaries.summarizer.text import FRAGMENT, NEVER, PROSE, UNFINISHED, language_resources, sentence_tier


def _texts(text: str, language: str = "en") -> list[str]:
    return [s.text for s in split_sentences(text, language)]


# --- splitting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "sentences"),
    [
        (
            "en",
            'The mayor said: "We are delighted. This is a great day for the town." Then she cut the ribbon.',
            ['The mayor said: "We are delighted. This is a great day for the town."', "Then she cut the ribbon."],
        ),
        (
            "en",
            "“We won. It was hard,” the captain said. The team flew home on Sunday.",
            ["“We won. It was hard,” the captain said.", "The team flew home on Sunday."],
        ),
        (
            "de",
            "Der Rat tagte. »Wir sparen Zeit. Das ist gut.« Seit Montag gilt die Regel. „Es geht. Wir sehen es.“ Gut.",
            [
                "Der Rat tagte.",
                "»Wir sparen Zeit. Das ist gut.«",
                "Seit Montag gilt die Regel.",
                "„Es geht. Wir sehen es.“",
                "Gut.",
            ],
        ),
        (
            "fr",
            "« Nous partons. Il fait froid. » Le maire a parlé. « Oui », dit-il.",
            ["« Nous partons. Il fait froid. »", "Le maire a parlé.", "« Oui », dit-il."],
        ),
        ("de", "Er rief: »Halt!« Dann ging er.", ["Er rief: »Halt!«", "Dann ging er."]),
    ],
    ids=["straight quotes", "curly quotes", "german", "french", "exclamation in guillemets"],
)
def test_a_quotation_is_not_cut_at_its_inner_full_stops(language: str, text: str, sentences: list[str]) -> None:
    assert _texts(text, language) == sentences


def test_an_unclosed_quotation_mark_does_not_join_the_rest_of_the_paragraph() -> None:
    text = 'He wrote "a note. The council met on Monday. It voted on the budget.'
    assert len(_texts(text)) == 3


def test_a_full_stop_glued_to_the_next_sentence_still_splits() -> None:
    assert _texts("The ferry left the harbour.The next one leaves at noon.") == [
        "The ferry left the harbour.",
        "The next one leaves at noon.",
    ]
    # Addresses, file names, abbreviations and initials are no sentence ends.
    for text in ("Visit Example.Com for the form.", "It runs on Node.js and U.S.Army gear.", "Ask Mr.Smith today."):
        assert len(_texts(text)) == 1, text


@pytest.mark.parametrize(
    ("line", "dateline"),
    [
        ("DEKALB, Ill. — Mike Glass threw for three touchdowns on Tuesday night.", "DEKALB, Ill. —"),
        ("(AP) — Michigan health authorities said on Monday that a sixth person died.", "(AP) —"),
        ("WASHINGTON (Reuters) - The Senate voted on the bill late on Tuesday.", "WASHINGTON (Reuters) -"),
        ("NEW YORK—The company said its sales rose in the third quarter.", "NEW YORK—"),
        ("london , england ( cnn ) -- the man said he would appeal the verdict .", "london , england ( cnn ) --"),
    ],
)
def test_a_dateline_is_split_from_the_first_sentence_and_never_starts_a_summary_sentence(
    line: str, dateline: str
) -> None:
    sentences = _texts(line)
    assert sentences[0] == dateline and sentences[1][0].isalpha()
    summary = summarize(line + "\nThe second paragraph tells the rest of the story in full.", sentences=3)
    assert all(s.text != dateline and s.text[0].isalpha() for s in summary)


def test_a_sentence_starting_with_a_dash_that_is_no_dateline_is_left_alone() -> None:
    assert _texts("President Jones — who spoke first — said the plan works.") == [
        "President Jones — who spoke first — said the plan works."
    ]


def test_a_list_bullet_is_not_part_of_its_sentence() -> None:
    assert _texts("- Retiring early takes time and discipline.") == ["Retiring early takes time and discipline."]
    assert _texts("• New tasks for the game!") == ["New tasks for the game!"]


# --- candidates ---------------------------------------------------------------------------------


PROSE_TEXT = (
    "The city council voted on Tuesday to build a riverside park on the site of the old docks.\n"
    "The park will include a playground, a cycle path and a floating café on the river.\n"
    "Council members said the docks had stood empty for more than twenty years.\n"
    "Work on the park is expected to start next spring and to take two years to finish.\n"
)


@pytest.mark.parametrize(
    ("sentence", "tier"),
    [
        ("The council voted on Tuesday to build a park.", PROSE),
        ('"Yes," she said.', FRAGMENT),
        ("HD | THE HOME DEPOT INC. | 225.86 | -12.99", NEVER),
        ("Tested by: John Milbank RRP: £23.99 More info: www.clymer.co.uk", NEVER),
        ("calendario stock car 2018, stock car brasil, stock car cascavel, stock car interlagos", NEVER),
        ("Dekalb, Ill. —", NEVER),
        ("As it stands, each group of teams will play a semifinal for a spot at the tournament:", UNFINISHED),
        ("Two federal prison officers charged with falsifying records in the Epstein case", UNFINISHED),
        ("Ten Things You Should Know About The Rise Of Electric Ferries In Europe.", UNFINISHED),
        ("Die Stadtwerke Lindenau haben die Ausgabe von Parkausweisen umgestellt.", PROSE),
    ],
)
def test_sentence_tiers(sentence: str, tier: int) -> None:
    words = language_resources("de" if sentence.startswith("Die") else "en").words(sentence)
    assert sentence_tier(sentence, words, alone_on_line=True) == tier


def test_table_rows_code_labels_and_unfinished_lines_are_never_chosen_in_prose() -> None:
    text = (
        PROSE_TEXT
        + "\n".join(table_row(["Ticker", "Security", "Last"]) for _ in range(3))
        + "\n"
        + "\n".join(code_block("def park(city):\n    return city.build('a riverside park on the old docks')"))
        + "\nResidents ask the council to keep the old cranes on the site of the docks"
        + "\nPrice: £24 Rating: 4 out of 5 Verdict: a fine park for the docks"
        + "\nThe council said the cranes would stay and be lit at night as part of the park.\n"
    )
    chosen = summarize(text, sentences=10, max_words=None)
    assert chosen and all(not faults(s.text) for s in chosen)
    assert all("\t" not in s.text and "def park" not in s.text and "return" not in s.text for s in chosen)
    assert len(chosen) == 5


def test_lines_without_final_punctuation_are_chosen_when_the_text_is_mostly_them() -> None:
    items = [f"Pack item number {n} in the waterproof rucksack before the walk" for n in range(1, 8)]
    text = "Check your rucksack before you set off on the ridge walk.\n" + "\n".join(items)
    chosen = [s.text for s in summarize(text, sentences=3)]
    assert len(chosen) == 3 and set(chosen) & set(items)


# --- the stored text's blocks and the full-text view ---------------------------------------------


def test_line_kinds_tell_rows_code_and_text_apart() -> None:
    lines = ["A paragraph.", "a\tb", "```", "  indented code", "", "```", "Another paragraph."]
    assert list(line_kinds(lines)) == [TEXT, ROW, FENCE, CODE, CODE, FENCE, TEXT]
    # A fence never closed opens no block.
    assert list(line_kinds(["```", "just text"])) == [TEXT, TEXT]
    assert [k for _, _, k in span_kinds("One.\n```\nx = 1\n```\nTwo.")] == [TEXT, FENCE, CODE, FENCE, TEXT]


def test_code_block_keeps_indentation_and_blank_lines() -> None:
    assert code_block("\n\ndef f(x):\n\tif x:\n\n        return 1\n\n") == [
        "```",
        "def f(x):",
        "        if x:",
        "",
        "        return 1",
        "```",
    ]
    assert code_block("   \n") == []
    assert code_block("```\nx") == ["```", " ```", "x", "```"]


def test_the_full_text_shows_tables_as_tables_and_code_as_code() -> None:
    text = "Intro sentence of the story.\nTicker\tSecurity\nHD\tHome Depot\n```\ndef f():\n    return 1\n```\nClosing line."
    blocks = paragraphs_with_marks(text, [(0, 28)])
    assert [b.kind for b in blocks] == ["paragraph", "table", "code", "paragraph"]
    assert blocks[0].segments[0].sentence == 1
    assert blocks[1].rows == [["Ticker", "Security"], ["HD", "Home Depot"]]
    assert blocks[2].code == "def f():\n    return 1"


def test_the_measure_names_each_fault() -> None:
    assert faults("— Mike Glass threw for three touchdowns.") == ["punctuation start"]
    assert faults("HD | THE HOME DEPOT INC.") == ["pipe"]
    assert faults("Gone.") == ["short"]
    assert faults("Investors don't seem to know what to make of the trade war") == ["no end"]
    assert faults("“We won,” she said on Monday night.") == []
    assert faults("そんな用途を考慮してか、Kindleや楽天koboにはデスクトップアプリが用意されています。", "ja") == []
