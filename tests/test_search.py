"""Full-text search as a reader uses it, on whichever database engine the tests run with.

Run once with the default SQLite and once with ``DATABASE_URL=postgres://...``: the same expectations
hold for both engines.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reader.models import Article, Tag
from reader.search import (
    index_article,
    parse_query,
    rebuild_index,
    remove_article,
    search,
)
from reader.search.backends import SearchBackend
from summaries.models import Summary
from tests.factories import add_summary, make_article

pytestmark = pytest.mark.django_db

FILLER = (
    "The committee met on Tuesday to review the annual budget. Several members asked questions "
    "about the schedule. The meeting ended in the early evening after a long discussion."
)


@pytest.fixture
def alice():
    return get_user_model().objects.create_user("alice", password="pw-alice-123")


def make(owner, title="A story", text=FILLER, site="news.example.com", tags=(), index=True, **fields) -> Article:
    return make_article(owner, title, text=text, site=site, tags=tags, index=index, **fields)


def summarize(article, sentences, status=Summary.Status.READY, algorithm="lexrank"):
    return add_summary(article, sentences, algorithm=algorithm, status=status)


def found(user, query) -> list[int]:
    return [hit.article.pk for hit in search(user, query).hits]


def test_title_match_ranks_above_a_passing_mention(alice):
    mention = make(alice, title="Weekly notes", text=FILLER + " A volcano was mentioned once.")
    about = make(
        alice,
        title="The volcano erupts again",
        text=FILLER + " Lava reached the coast.",
    )
    make(alice, title="Unrelated", text=FILLER)
    results = search(alice, "volcano")
    assert [h.article.pk for h in results.hits] == [about.pk, mention.pk]
    assert results.total == 2
    assert results.hits[0].rank > results.hits[1].rank


def test_more_occurrences_rank_higher(alice):
    once = make(alice, text="Glaciers are retreating. " + FILLER)
    often = make(
        alice,
        text="Glaciers are retreating. Glaciers feed rivers. Some glaciers are gone. " + FILLER,
    )
    assert found(alice, "glaciers") == [often.pk, once.pk]


def test_snippet_marks_matched_words_and_escapes_html(alice):
    text = (
        "Intro paragraph about nothing in particular. " * 10
        + "Engineers said <script>alert(1)</script> the Bridge & tunnel project is late. Bridges cost money."
    )
    make(alice, title="Infrastructure", text=text)
    hit = search(alice, "bridge").hits[0]
    assert "<mark>Bridge</mark>" in hit.snippet_html
    # "bridge" is also a prefix as typed
    assert "<mark>Bridges</mark>" in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert "&amp; tunnel" in hit.snippet_html
    # cut around the match, not the start of the text
    assert hit.snippet_html.startswith("…")
    assert len(hit.snippet_html) < 500


def test_title_site_tag_and_summary_are_searched(alice):
    by_title = make(alice, title="Quarterly zeppelin report")
    by_site = make(alice, site="blog.marmalade.org")
    by_tag = make(alice, tags=["Astronomy"])
    assert found(alice, "zeppelin") == [by_title.pk]
    assert found(alice, "marmalade") == [by_site.pk]
    assert found(alice, "astronomy") == [by_tag.pk]
    # Summary sentences come from the text, so a summary counts as extra weight for its words.
    text = "The harbour reopened after repairs. " + FILLER
    plain = make(alice, text=text)
    summarized = make(alice, text=text, index=False)
    summarize(summarized, ["The harbour reopened after repairs."])
    summarize(plain, ["The harbour reopened after repairs."], status=Summary.Status.PENDING)
    index_article(summarized.pk)
    index_article(plain.pk)
    assert found(alice, "harbour") == [summarized.pk, plain.pk]


def test_title_match_snippet_falls_back_to_title_or_text(alice):
    make(alice, title="Tides & moons", text=FILLER, tags=["Oceans"])
    assert "<mark>Tides</mark> &amp; moons" in search(alice, "tides").hits[0].snippet_html
    tag_hit = search(alice, "oceans").hits[0]
    assert tag_hit.snippet_html.startswith("The committee met")


def test_phrase_matches_words_in_order_only(alice):
    in_order = make(alice, text="The quick brown fox jumps. " + FILLER)
    make(alice, text="A brown dog and a quick cat. " + FILLER)
    assert found(alice, '"quick brown"') == [in_order.pk]
    assert sorted(found(alice, "quick brown ")) == sorted(found(alice, "brown quick "))
    assert len(found(alice, "quick brown ")) == 2
    assert "<mark>quick brown</mark>" in search(alice, '"quick brown"').hits[0].snippet_html


def test_last_word_is_a_prefix_while_typing(alice):
    election = make(alice, text="The election results arrived late. " + FILLER)
    make(alice, text="An electrician fixed the lights. " + FILLER)
    assert found(alice, "results elect") == [election.pk]
    assert len(found(alice, "elect")) == 2
    assert found(alice, "elect ") == []  # a finished word is matched whole
    assert found(alice, "election") == [election.pk]
    snippets = {h.article.pk: h.snippet_html for h in search(alice, "elec").hits}
    assert "<mark>election</mark>" in snippets[election.pk]


def test_minus_excludes_or_needs_either_and_an_open_quote_runs_to_the_end(alice):
    otters = make(alice, title="Otters of the river", text="Otters swim in the cold river. " + FILLER)
    beavers = make(alice, title="Beavers build dams", text="Beavers swim and build dams on the river. " + FILLER)
    eagles = make(alice, title="Eagles", text="Eagles fly over the river. " + FILLER)
    tokyo = make(alice, title="東京の川", text="東京の川の話。The river in the city. " + FILLER)
    assert sorted(found(alice, "river -beavers ")) == sorted([otters.pk, eagles.pk, tokyo.pk])
    assert found(alice, 'river -"build dams" -eagles -東京 ') == [otters.pk]
    assert sorted(found(alice, "river -東京の川")) == sorted([otters.pk, beavers.pk, eagles.pk])
    assert sorted(found(alice, "otters OR beavers ")) == sorted([otters.pk, beavers.pk])
    assert sorted(found(alice, '"cold river" OR eagles ')) == sorted([otters.pk, eagles.pk])
    assert found(alice, "otters OR beavers -dams ") == [otters.pk]
    assert found(alice, "swim otters OR eagles ") == [otters.pk]
    assert sorted(found(alice, "-otters -beavers ")) == sorted([eagles.pk, tokyo.pk])  # exclusions only
    assert found(alice, "otters OR") == [otters.pk]  # while typing the second term
    assert found(alice, "otters or beavers ") == []  # a lower-case "or" is a word to find
    assert found(alice, '"eagles fly ov') == [eagles.pk]  # an open quote: a phrase to the end, as typed
    assert found(alice, '"fly eagles') == []
    snippets = {h.article.pk: h.snippet_html for h in search(alice, "otters OR beavers ").hits}
    assert "<mark>Otters</mark>" in snippets[otters.pk] and "<mark>Beavers</mark>" in snippets[beavers.pk]
    parsed = parse_query('a OR b -c -"d e" "open')
    assert [t.text for t in parsed.either[0]] == ["a", "b"] and [t.text for t in parsed.excluded] == ["c", "d e"]
    assert parsed.terms[0].phrase and parsed.terms[0].prefix


def test_accents_are_folded(alice):
    cafe = make(alice, title="Le café du coin", text="Un café crème, s'il vous plaît. " + FILLER)
    assert found(alice, "cafe") == [cafe.pk]
    assert found(alice, "CAFÉ") == [cafe.pk]
    assert "<mark>café</mark>" in search(alice, "cafe").hits[0].snippet_html


@pytest.mark.parametrize(
    ("text", "queries"),
    [
        (
            "北京是中国的首都。这座城市有很多历史古迹和现代建筑。",
            ["北京", "中国的首都", "首都", "京", "历史古迹"],
        ),
        (
            "東京タワーは東京都港区にある電波塔です。観光客に人気があります。",
            ["東京タワー", "タワー", "観光客", "塔"],
        ),
        (
            "서울에서 열린 회의에 많은 사람들이 참석했습니다. 날씨가 좋았습니다.",
            ["서울", "서울에서", "회의에", "참석했습니다"],
        ),
    ],
    ids=["chinese", "japanese", "korean"],
)
def test_chinese_japanese_korean_are_found_by_any_part(alice, text, queries):
    article = make(alice, title="Asia", text=text)
    make(alice, title="Other", text=FILLER)
    make(alice, title="Other CJK", text="これは別の記事です。全く関係ありません。")
    for query in queries:
        results = search(alice, query)
        assert [h.article.pk for h in results.hits] == [article.pk], query
        assert f"<mark>{query}</mark>" in results.hits[0].snippet_html, query


def test_cjk_and_latin_words_combine(alice):
    both = make(alice, title="Tokyo", text="Tokyo tower 東京タワー is tall. " + FILLER)
    make(alice, title="Other", text="東京タワー only. ")
    make(alice, title="Other", text="Tokyo tower only. " + FILLER)
    assert found(alice, "tower 東京") == [both.pk]
    assert found(alice, "東京タワー tower") == [both.pk]


def test_other_peoples_articles_are_never_found(alice, bob):
    mine = make(alice, title="Shared interest in pelicans")
    make(bob, title="Pelicans everywhere", text="Pelicans pelicans pelicans. " + FILLER)
    make(bob, title="東京の記事", text="東京タワーの話です。")
    assert found(alice, "pelicans") == [mine.pk]
    assert found(alice, "東京") == []
    assert search(alice, "is:unread").total == 1


def test_deleted_articles_are_never_found(alice):
    kept = make(alice, title="Otters are playful")
    gone = make(alice, title="Otters again")
    gone.deleted_at = timezone.now()
    gone.save(update_fields=["deleted_at"])
    # even while its index entry is still there
    assert found(alice, "otters") == [kept.pk]
    index_article(gone.pk)  # indexing a deleted article drops it
    assert found(alice, "otters") == [kept.pk]


@pytest.mark.parametrize("ids_max", [0, 2000], ids=["filters-by-exists", "filters-by-ids"])
def test_filters_combine_with_search(alice, monkeypatch, ids_max):
    # Both ways of applying filters (SearchBackend.restriction) must find the same articles.
    monkeypatch.setattr(SearchBackend, "filtered_ids_max", ids_max)
    now = timezone.now()
    unread = make(alice, title="Apples in spring", tags=["Fruit"], language="en")
    read = make(
        alice,
        title="Apples in autumn",
        read_at=now,
        site="orchard.example.org",
        language="de",
    )
    archived = make(alice, title="Apples archived", archived_at=now, favourite=True)
    failed = make(alice, title="Apples failed", status=Article.Status.FAILED)
    pending = make(alice, title="Apples pending", status=Article.Status.FETCHING)
    make(alice, title="Pears", tags=["fruit"], read_at=now)

    def ids(query):
        return sorted(found(alice, query))

    assert ids("apples is:unread") == sorted([unread.pk, archived.pk, failed.pk, pending.pk])
    assert ids("apples is:archived") == [archived.pk]
    assert ids("apples is:favourite") == ids("apples is:favorite") == [archived.pk]
    assert ids("apples is:failed") == [failed.pk]
    assert ids("apples is:pending") == [pending.pk]
    assert ids("apples tag:fruit") == ids("tag:FRUIT apples") == [unread.pk]
    assert ids("apples site:example.org") == ids("site:orchard.example.org apples") == [read.pk]
    assert ids("apples lang:de") == [read.pk]
    assert ids("apples is:unread is:archived") == [archived.pk]
    assert ids("tag:fruit") == sorted([unread.pk, Article.objects.get(title="Pears").pk])
    assert ids('tag:"no such tag" apples') == []
    assert search(alice, "tag:nosuch").total == 0
    # a phrase with a filter: the word order and the filter both hold
    late = make(alice, title="Late", tags=["fruit"], read_at=now, text="Spring is late for the apples in the valley.")
    assert ids('"apples in spring" tag:fruit') == [unread.pk]
    assert ids('"apples in" tag:fruit') == sorted([unread.pk, late.pk])
    assert ids('"apples in" tag:fruit is:unread') == [unread.pk]
    # another person's tag of the same name is not this person's
    bob = get_user_model().objects.create_user("bob", password="pw-bob-12345")
    make(bob, title="Apples of Bob", tags=["fruit"])
    assert ids("apples tag:fruit") == sorted([unread.pk, late.pk])
    parsed = search(alice, "apples is:unread").filters
    assert parsed.flags == {"unread"} and parsed.text == "apples"


def test_filter_predicates_shared_with_the_list(alice):
    # The QuerySet methods both the list page and the search box's filters use.
    now = timezone.now()
    plain = make(alice, site="example.org", language="pt", tags=["Fruit"])
    sub = make(alice, site="news.example.org", language="pt-br", read_at=now)
    other = make(alice, site="notexample.org", language="pty", archived_at=now, favourite=True)
    mine = Article.objects.for_user(alice)

    def ids(qs):
        return sorted(qs.values_list("pk", flat=True))

    assert ids(mine.from_sites(["example.org"])) == [plain.pk, sub.pk]
    assert ids(mine.from_sites(["news.example.org", "notexample.org"])) == [sub.pk, other.pk]
    assert ids(mine.in_languages(["pt"])) == [plain.pk, sub.pk]
    assert ids(mine.in_languages(["pt-br", "pty"])) == [sub.pk, other.pk]
    assert ids(mine.from_sites([])) == ids(mine.in_languages([])) == ids(mine.tagged([])) == []
    fruit = Tag.objects.ids_named(alice, ["FRUIT", "nosuch"])
    assert fruit == {"fruit": [Tag.objects.get(owner=alice, name="Fruit").pk]}
    assert ids(mine.tagged(fruit["fruit"])) == [plain.pk]
    # the search box's is:unread is the flag alone: an archived article is still unread
    assert ids(mine.with_flag("unread")) == [plain.pk, other.pk]
    assert ids(mine.with_flag("read")) == [sub.pk]
    assert ids(mine.with_flag("archived")) == ids(mine.with_flag("favourite")) == [other.pk]


def test_parse_query_separates_text_and_filters():
    parsed = parse_query('is:unread tag:"to read" site:https://www.Example.com/x lang:DE big "red fox" is:nope')
    assert parsed.flags == {"unread"}
    assert parsed.tags == ("to read",)
    assert parsed.sites == ("example.com",)
    assert parsed.languages == ("de",)
    assert parsed.words == ("big",)
    assert parsed.phrases == ("red fox",)
    assert parsed.text == 'big "red fox"'
    assert parsed.ignored == ("is:nope",)
    assert [t.prefix for t in parsed.terms] == [False, False]
    assert parse_query("big red").terms[-1].prefix
    assert not parse_query("big red ").terms[-1].prefix


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        'weird"quote',
        "star*",
        "*",
        "^caret",
        "NEAR(a b)",
        "near/2",
        "-minus",
        "a OR",
        "AND",
        "NOT otter",
        "(",
        ")",
        '""',
        '"',
        "'",
        ":",
        "tag:",
        "is:",
        "title:otter",
        "{col}: otter",
        "\\",
        "%_%",
        "a & | ! <-> b",
        "otter:*",
        "a" * 300,
        "x " * 200,
        "\x00",
        "東",
        '"東京',
    ],
)
def test_malformed_queries_never_raise(alice, query):
    make(
        alice,
        title="Otter facts",
        text="NEAR the river an otter swims, minus the ice. " + FILLER,
    )
    results = search(alice, query)
    assert isinstance(results.hits, list)


def test_operator_words_are_searched_as_plain_words(alice):
    otter = make(alice, title="Otter facts", text="NEAR the river an otter swims. " + FILLER)
    assert found(alice, "NEAR otter") == [otter.pk]
    assert found(alice, "otter*") == [otter.pk]
    assert found(alice, '"otter swims') == [otter.pk]
    # an unknown operator is two words: "title" and "otter"
    assert found(alice, "title:otter") == []


def test_reindex_after_a_change(alice):
    article = make(alice, title="Draft headline", text=FILLER)
    assert found(alice, "draft") == [article.pk]
    article.title = "Final headline"
    article.text = "The penguins have arrived. " + FILLER
    article.save()
    tag = Tag.objects.create(owner=alice, name="Birds")
    article.tags.add(tag)
    index_article(article.pk)
    index_article(article.pk)  # idempotent
    assert found(alice, "draft") == []
    assert found(alice, "penguins") == [article.pk]
    assert found(alice, "birds") == [article.pk]
    remove_article(article.pk)
    assert found(alice, "penguins") == []
    remove_article(article.pk)
    index_article(999_999_999)  # a missing article is a no-op


def test_rebuild_indexes_everything(alice):
    first = make(alice, title="Comets", index=False)
    second = make(alice, title="Comet tails", text="彗星の尾。" + FILLER, index=False)
    assert found(alice, "comet") == []
    assert rebuild_index() == 2
    assert sorted(found(alice, "comet")) == sorted([first.pk, second.pk])
    assert found(alice, "彗星") == [second.pk]


def test_paging_and_total(alice):
    articles = [make(alice, title=f"Meteor note {i}") for i in range(7)]
    first = search(alice, "meteor", limit=5)
    second = search(alice, "meteor", limit=5, offset=5)
    assert first.total == 7 and len(first.hits) == 5 and len(second.hits) == 2
    assert sorted(h.article.pk for h in first.hits + second.hits) == sorted(a.pk for a in articles)
    assert search(alice, "meteor", offset=50).hits == []


def test_search_runs_a_fixed_number_of_queries(alice, django_assert_num_queries):
    for i in range(12):
        article = make(alice, title=f"Harvest {i}", text=f"Harvest moon number {i}. " + FILLER)
        summarize(article, [f"Harvest moon number {i}."])
    make(alice, title="Lonely walrus")
    # The ranked ids with the total, the articles, their summaries.
    with django_assert_num_queries(3):
        assert len(search(alice, "walrus").hits) == 1
    with django_assert_num_queries(3):
        assert len(search(alice, "harvest moon").hits) == 12
    # with a filter, first the ids it keeps (at most FILTERED_IDS_MAX + 1 of them)
    with django_assert_num_queries(4):
        assert len(search(alice, "harvest is:unread").hits) == 12
    with django_assert_num_queries(4):
        assert len(search(alice, "walrus is:unread").hits) == 1
    with django_assert_num_queries(3):
        assert len(search(alice, "is:unread", limit=10).hits) == 10
    with django_assert_num_queries(1):
        assert search(alice, "harvest moon tag:x").hits == []


def test_common_words_rank_the_newest_matches(alice, monkeypatch):
    monkeypatch.setattr(SearchBackend, "rank_window", 5)
    old = make(alice, title="Kestrel kestrel kestrel", text="Kestrel. " + FILLER)
    newer = [make(alice, title=f"Note {i}", text="A kestrel flew by. " + FILLER) for i in range(6)]
    results = search(alice, "kestrel")
    assert results.total is None  # more matches than ranked
    assert old.pk not in [h.article.pk for h in results.hits]
    assert [h.article.pk for h in results.hits] == [a.pk for a in reversed(newer[1:])]
    assert search(alice, "kestrel is:unread tag:x").total == 0
    assert search(alice, "flew").total is None
    assert search(alice, '"kestrel kestrel"').total == 1


def test_rebuild_command(alice):
    from io import StringIO

    from django.core.management import call_command

    article = make(alice, title="Narwhal sightings", index=False)
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Indexed 1 articles" in out.getvalue()
    assert found(alice, "narwhal") == [article.pk]
