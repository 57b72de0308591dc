from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.ingest import ingest_paths
from corpus.models import (
    Article,
    Country,
    CountryAlias,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagStatus,
    Topic,
)
from corpus.tagging import (
    GazetteerEntry,
    apply_auto_tags,
    build_gazetteer,
    build_topic_rules,
    find_countries,
    find_topics,
    load_gazetteer,
    suggest_tags,
)

DRONE_FACTORY = "002_6a5c443ba45c8788.txt"
RAND_COMMENTARY = "003_30700c1f1a60f553.txt"
TURKMENISTAN_PARTNER = "000_7b93cd84623c8d14.txt"

ACTIVE = [TagStatus.AUTO, TagStatus.MANUAL]


def countries_in(text: str) -> set[str]:
    return {code for code, _ in suggest_tags(text).countries}


def topics_in(text: str) -> set[str]:
    return {slug for slug, _ in suggest_tags(text).topics}


def active_countries(article: Article) -> set[str]:
    return set(
        ParagraphCountry.objects.filter(
            paragraph__article=article, status__in=ACTIVE
        ).values_list("country__code", flat=True)
    )


def make_paragraph(text: str, *, position: int = 1) -> Paragraph:
    article, _ = Article.objects.get_or_create(title="Test article")
    return Paragraph.objects.create(article=article, position=position, text=text)


# --- Countries: matching rules ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Iran’s drone factory", "IR"),  # curly possessive
        ("Iran's drone factory", "IR"),  # straight possessive
        ("Ashgabat has long been described as a gateway.", "TM"),  # capital
        ("Tehran followed suit.", "IR"),
        ("The Kremlin said nothing.", "RU"),  # metonym at sentence start
        ("Afghans crossed the border.", "AF"),  # plural demonym
        ("Iranian officials", "IR"),
        ("the Kyrgyz Republic", "KG"),
        ("Kirghizia in 1990", "KG"),
        ("Türkmenistan", "TM"),
        ("the Belarussian government", "BY"),
        ("the Belarusian government", "BY"),
        ("the 2015 Sino-Russian agreement", "CN"),
        ("U.S. Defense Secretary", "US"),
        ("the US and the EU", "US"),
        ("a post-American transition", "US"),
        ("Washington’s military presence", "US"),
        ("allies like Korea", "KR"),
        ("IRAN AND RUSSIA", "IR"),  # headline capitals
        ("Iran-Turkmenistan cooperation", "TM"),  # hyphenated pair
        ("the United\nStates", "US"),  # line break inside a name
        ("Turkey and Russia", "TR"),
        ("Islamic Republic of Iran", "IR"),
    ],
)
def test_suggest_tags_finds_country(text: str, code: str) -> None:
    assert code in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("the Persian Gulf-Black Sea corridor", "IR"),  # a sea, not Iran
        ("Shared Persian heritage", "IR"),  # Persian is not an alias
        ("let us talk", "US"),  # lower-case pronoun
        ("roast turkey", "TR"),  # common noun
        ("fine china", "CN"),
        ("North Korea tested a missile", "KR"),  # "North" changes the country
        ("Iranianness", "IR"),  # not a whole word
        ("the New Mexico desert", "MX"),
        ("the Washington Post reported", "US"),  # a newspaper
        ("Turkic states", "TR"),  # a language family
        ("Latin America", "US"),
        ("the Indian Ocean", "IN"),
    ],
)
def test_suggest_tags_ignores_false_positive(text: str, code: str) -> None:
    assert code not in countries_in(text)


@pytest.mark.django_db
def test_suggest_tags_north_korea_is_only_north_korea() -> None:
    assert countries_in("North Korea and its missiles") == {"KP"}


@pytest.mark.django_db
def test_suggest_tags_evidence_is_matched_text() -> None:
    tags = suggest_tags("Iran’s leaders met; Tehran said no; Iranians cheered.")
    assert dict(tags.countries)["IR"] == "Iran, Tehran, Iranians"


@pytest.mark.django_db
def test_suggest_tags_case_sensitive_alias_needs_exact_case() -> None:
    assert countries_in("the UK and the US") == {"GB", "US"}
    assert countries_in("Uk and Us") == set()


def test_build_gazetteer_prefers_longest_name() -> None:
    gazetteer = build_gazetteer(
        [
            GazetteerEntry("Guinea", "GN"),
            GazetteerEntry("Papua New Guinea", "PG"),
            GazetteerEntry("Guinea-Bissau", "GW"),
        ]
    )
    found = find_countries("Guinea-Bissau, Papua New Guinea and Guinea", gazetteer)
    assert [code for code, _ in found] == ["GW", "PG", "GN"]


def test_build_gazetteer_blocking_name_wins() -> None:
    gazetteer = build_gazetteer(
        [GazetteerEntry("Persian", "IR"), GazetteerEntry("Persian Gulf", None)]
    )
    assert find_countries("the Persian Gulf", gazetteer) == ()
    assert find_countries("Persian poetry", gazetteer) == (("IR", "Persian"),)


@pytest.mark.django_db
def test_load_gazetteer_sees_new_alias() -> None:
    assert "MN" not in countries_in("Erdenet said no")
    CountryAlias.objects.create(alias="Erdenet", country=Country.objects.get(code="MN"))
    assert "MN" in countries_in("Erdenet said no")


@pytest.mark.django_db
def test_load_gazetteer_sees_changed_alias() -> None:
    alias = CountryAlias.objects.get(alias="Ashgabat")
    alias.alias = "Ashkhabad"
    alias.save()
    assert "TM" in countries_in("Ashkhabad")
    assert "TM" not in countries_in("Ashgabat")


@pytest.mark.django_db
def test_load_gazetteer_is_reused_while_aliases_stay() -> None:
    assert load_gazetteer() is load_gazetteer()


# --- Topics -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("the removal of sanctions", "sanctions"),  # plural vs rule "sanction"
        ("Washington sanctioned the bank", "sanctions"),
        ("curbing drug trafficking", "drug-trafficking"),  # phrase
        ("Iran’s drone factory", "military-defence-industry"),
        ("restore the JCPOA", "nuclear-jcpoa"),
        ("the CSTO and the EAEU", "regional-organisations"),
        ("counter-terrorism and Islamic extremism", "terrorism-extremism"),
        ("Shiite communities", "religion-sectarianism"),
        ("irrigation projects", "water"),
        ("combat disinformation", "intelligence-disinformation"),
        ("a border security argument", "borders"),
        ("the TAPI pipeline", "energy-pipelines"),
        ("Russia’s Near Abroad", "great-power-competition"),
        ("the Belt Road Initiative", "trade-transport-corridors"),
        ("diplomatic negotiations", "diplomacy-negotiations"),
        ("security cooperation with Kazakhstan", "security-cooperation"),
    ],
)
def test_suggest_tags_finds_topic(text: str, slug: str) -> None:
    assert slug in topics_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("a period of transition", "trade-transport-corridors"),  # quoted "transit"
        ("the importance of ties", "trade-transport-corridors"),  # quoted "imports"
        ("Rouhani declared that", "diplomacy-negotiations"),
        ("drug safety", "drug-trafficking"),  # half a phrase
    ],
)
def test_suggest_tags_ignores_topic_false_positive(text: str, slug: str) -> None:
    assert slug not in topics_in(text)


def test_find_topics_phrase_needs_words_in_order() -> None:
    rules = build_topic_rules([("drugs", "drug trafficking")])
    assert find_topics("drug trafficking routes", rules) == (
        ("drugs", "drug trafficking"),
    )
    assert find_topics("trafficking of drugs", rules) == ()


def test_find_topics_quoted_rule_matches_exact_word() -> None:
    rules = build_topic_rules([("trade", '"transit"\n# a comment\n\n')])
    assert find_topics("transit routes", rules) == (("trade", "transit"),)
    assert find_topics("a transition", rules) == ()


@pytest.mark.django_db
def test_load_topic_rules_sees_edited_rules() -> None:
    topic = Topic.objects.get(slug="water")
    assert "water" not in topics_in("glaciers melt")
    topic.rules += "\nglacier"
    topic.save()
    assert "water" in topics_in("glaciers melt")


# --- apply_auto_tags --------------------------------------------------------------


@pytest.mark.django_db
def test_apply_auto_tags_adds_auto_tags_with_evidence() -> None:
    paragraph = make_paragraph("Ashgabat and Tehran agreed on sanctions relief.")
    apply_auto_tags([paragraph.pk])
    tags = {
        tag.country.code: tag
        for tag in paragraph.country_tags.select_related("country")
    }
    assert set(tags) == {"TM", "IR"}
    assert tags["TM"].status == TagStatus.AUTO
    assert tags["TM"].evidence == "Ashgabat"
    assert paragraph.topic_tags.get(topic__slug="sanctions").evidence == "sanctions"


@pytest.mark.django_db
def test_apply_auto_tags_removes_stale_auto_tag() -> None:
    paragraph = make_paragraph("Ashgabat")
    apply_auto_tags([paragraph.pk])
    paragraph.text = "Dushanbe"
    paragraph.save()
    apply_auto_tags([paragraph.pk])
    codes = set(paragraph.country_tags.values_list("country__code", flat=True))
    assert codes == {"TJ"}


@pytest.mark.django_db
def test_apply_auto_tags_keeps_manual_and_rejected_rows() -> None:
    paragraph = make_paragraph("Tehran and Moscow")
    iran = Country.objects.get(code="IR")
    japan = Country.objects.get(code="JP")
    ParagraphCountry.objects.create(
        paragraph=paragraph, country=iran, status=TagStatus.REJECTED
    )
    ParagraphCountry.objects.create(
        paragraph=paragraph, country=japan, status=TagStatus.MANUAL
    )
    apply_auto_tags([paragraph.pk])
    statuses = dict(paragraph.country_tags.values_list("country__code", "status"))
    assert statuses == {
        "IR": TagStatus.REJECTED,
        "JP": TagStatus.MANUAL,
        "RU": TagStatus.AUTO,
    }


@pytest.mark.django_db
def test_apply_auto_tags_counts_rows_added_and_removed() -> None:
    paragraph = make_paragraph("Ashgabat and Tehran")
    assert apply_auto_tags([paragraph.pk]) == 2
    assert apply_auto_tags([paragraph.pk]) == 0


@pytest.mark.django_db
def test_apply_auto_tags_ignores_missing_ids() -> None:
    assert apply_auto_tags([999_999]) == 0


@pytest.mark.django_db
def test_apply_auto_tags_batches_queries(django_assert_max_num_queries) -> None:
    article = Article.objects.create(title="Bulk")
    Paragraph.objects.bulk_create(
        Paragraph(article=article, position=n, text=f"Kabul and sanctions, item {n}.")
        for n in range(1, 1201)
    )
    ids = list(article.paragraphs.values_list("pk", flat=True))
    load_gazetteer()
    with django_assert_max_num_queries(60):
        apply_auto_tags(ids)
    assert ParagraphCountry.objects.filter(paragraph__article=article).count() == 1200
    assert ParagraphTopic.objects.filter(paragraph__article=article).count() == 1200


# --- On the seed articles ---------------------------------------------------------


@pytest.fixture
def seeded(db, seeds_dir: Path) -> dict[str, Article]:
    ingest_paths([seeds_dir], update_index=False)
    return {article.source_file: article for article in Article.objects.all()}


def test_seed_drone_factory_article_carries_iran_tajikistan_russia(seeded) -> None:
    assert {"IR", "TJ", "RU"} <= active_countries(seeded[DRONE_FACTORY])


def test_seed_rand_commentary_carries_its_countries(seeded) -> None:
    assert {"KZ", "RU", "UA", "US"} <= active_countries(seeded[RAND_COMMENTARY])


def test_seed_author_bio_does_not_tag_a_paragraph(seeded) -> None:
    article = seeded[TURKMENISTAN_PARTNER]
    assert not article.paragraphs.filter(text__contains="East European Studies")
    assert article.paragraphs.exists()


@pytest.mark.django_db
def test_paragraph_saying_only_ashgabat_is_tagged_turkmenistan() -> None:
    paragraph = make_paragraph("Ashgabat.")
    apply_auto_tags([paragraph.pk])
    assert list(paragraph.countries.values_list("code", flat=True)) == ["TM"]


def _copy_seed(seeds_dir: Path, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "library"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(seeds_dir / name, folder / name))


@pytest.mark.django_db
def test_manual_tag_survives_reingest_and_retag(seeds_dir: Path, tmp_path: Path):
    from corpus.services import retag_articles

    path = _copy_seed(seeds_dir, tmp_path, DRONE_FACTORY)
    ingest_paths([path], update_index=False)
    article = Article.objects.get(source_file=DRONE_FACTORY)
    paragraph = article.paragraphs.get(position=3)
    water = Topic.objects.get(slug="water")
    ParagraphTopic.objects.create(
        paragraph=paragraph, topic=water, status=TagStatus.MANUAL
    )
    path.write_text(path.read_text() + "\n\nA new closing paragraph about Baku.\n")
    ingest_paths([path], update_index=False)
    retag_articles([article.pk])
    tag = ParagraphTopic.objects.get(paragraph__text=paragraph.text, topic=water)
    assert tag.status == TagStatus.MANUAL


@pytest.mark.django_db
def test_rejected_tag_is_not_readded(seeds_dir: Path, tmp_path: Path) -> None:
    from corpus.services import retag_articles

    path = _copy_seed(seeds_dir, tmp_path, DRONE_FACTORY)
    ingest_paths([path], update_index=False)
    article = Article.objects.get(source_file=DRONE_FACTORY)
    tag = ParagraphCountry.objects.filter(
        paragraph__article=article, country__code="IR"
    ).first()
    tag.status = TagStatus.REJECTED
    tag.save()
    retag_articles([article.pk])
    apply_auto_tags([tag.paragraph_id])
    tag.refresh_from_db()
    assert tag.status == TagStatus.REJECTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        # A country's name inside a longer name that is another place.
        ("Herders in Inner Mongolia protested.", "MN"),
        ("Oil spills in the Niger Delta", "NE"),
        ("Boats on the Congo River", "CG"),
        ("Lake Chad is shrinking.", "TD"),
        ("the Jordan Valley", "JO"),
        # A US state that shares a country's name.
        ("Georgia's governor signed the bill in Atlanta.", "GE"),
        ("Voters in the US state of Georgia went to the polls.", "GE"),
        ("Fulton County, Georgia, counted the ballots again.", "GE"),
        ("Georgia Republicans backed the measure.", "GE"),
        # A capital as a dateline says where the story was filed, not who acted.
        ("WASHINGTON — The talks resumed on Monday.", "US"),
        ("MOSCOW (Reuters) - The rouble fell.", "RU"),
    ],
)
def test_country_name_inside_another_name_is_not_tagged(text: str, code: str) -> None:
    assert code not in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tankers carried the grain to Ashgabat.", "TM"),  # a destination
        ("The summit was held in Moscow on Monday.", "RU"),  # a venue
        ("Flights into Ashgabat, then a bus to the border.", "TM"),
    ],
)
def test_capital_that_is_only_a_place_is_not_tagged(text: str, code: str) -> None:
    assert code not in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Mongolia and China signed a deal.", "MN"),  # the plain name still counts
        ("Moscow said the talks had failed.", "RU"),  # a capital for its government
        ("Officials in Tbilisi refused.", "GE"),
        ("Chad sent troops to the border.", "TD"),
        ("The envoy handed the note to Moscow's negotiators.", "RU"),
        ("Diplomats in Ashgabat say the deal holds.", "TM"),
        ("Georgia's president vetoed the foreign agents law.", "GE"),
        ("Russia and Georgia fought a war in 2008.", "GE"),
        ("Taiwan voters chose a new president.", "TW"),
        ("The Sweden Democrats gained seats.", "SE"),
        ("Iran state media reported the strike.", "IR"),
        ("The State of Israel was founded in 1948.", "IL"),
        ("Taiwan's legislature passed the budget.", "TW"),
        ("The letter went to Russian officials.", "RU"),  # an adjective, not a place
        ("Tankers sailed to Turkmenistan on Monday.", "TM"),  # a country's own name
    ],
)
def test_country_and_capital_as_actor_are_tagged(text: str, code: str) -> None:
    assert code in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "Veterans of the Korean War met in Seoul.",
        "Talks between the two Koreas stalled.",
        "An inter-Korean summit",
    ],
)
def test_phrases_meaning_both_koreas_tag_both(text: str) -> None:
    assert {"KR", "KP"} <= countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("the generals who ran Burma", "MM"),  # former names, from ISO 3166-3
        ("Mobutu's Zaire", "CD"),
        ("independence for East Timor", "TL"),
        ("Upper Volta became Burkina Faso", "BF"),
    ],
)
def test_former_names_tag_the_present_state(text: str, code: str) -> None:
    assert code in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Usual English names that ISO does not use, from countryinfo.
        ("Cocoa prices rose in Ivory Coast.", "CI"),
        ("Swaziland renamed itself in 2018.", "SZ"),
        ("Cape Verde held elections.", "CV"),
        ("the Czech Republic and Slovakia", "CZ"),
        ("Czechia joined the talks.", "CZ"),
        # A long form's short form: "Republic of Macedonia" -> "Macedonia".
        ("Greece and Macedonia settled the name dispute.", "MK"),
        ("Turkey said it would respond.", "TR"),
    ],
)
def test_usual_english_names_tag_the_state(text: str, code: str) -> None:
    assert code in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tankers sailed to Turkey.", "TR"),
        ("Refugees arrived in Turkey.", "TR"),
        ("Exports to Ivory Coast fell.", "CI"),
    ],
)
def test_alias_that_is_a_countrys_name_is_tagged_as_a_place(
    text: str, code: str
) -> None:
    # "Turkey" is both a seeded alias and one of the state's names: a name is tagged
    # as a destination or venue too, unlike a capital.
    assert code in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Michael Jordan retired from basketball.", "JO"),
        ("Chad Smith played the drums.", "TD"),
        ("Jordan Peterson gave a lecture.", "JO"),
        ("The drummer, Chad Smith, left the band.", "TD"),
        ("Mr. Jordan declined to comment.", "JO"),
        ("Kerry Washington starred in the film.", "US"),
        ("Turkey, cranberry sauce and stuffing were on the table.", "TR"),
        ("Turkey, cranberry sauce, stuffing and pie.", "TR"),
        ("We ate roast turkey.", "TR"),
    ],
)
def test_homonym_that_is_a_person_or_a_common_noun_is_not_tagged(
    text: str, code: str
) -> None:
    assert code not in countries_in(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Jordan's king met the envoy.", "JO"),
        ("Jordan said the border would stay closed.", "JO"),
        ("Chad's army crossed the border.", "TD"),
        ("Troops from Chad and Niger joined.", "TD"),
        ("Turkey said it would veto the bid.", "TR"),
        ("Talks were held in Turkey.", "TR"),
        ("Turkey, Iran and Russia met in Astana.", "TR"),
        ("Turkey, however, and Greece disagree.", "TR"),
        ("China, citing security concerns and trade deficits, raised tariffs.", "CN"),
        ("The Jordan Times reported the strike.", "JO"),
        ("Qatar Airways resumed flights.", "QA"),
    ],
)
def test_homonym_used_for_the_state_is_tagged(text: str, code: str) -> None:
    assert code in countries_in(text)
