"""Which line of a scraped page is its headline: one rule a test, on short pages."""

from __future__ import annotations

import pytest

from corpus.cleaning import clean_scraped_text
from corpus.extract import parse_document, read_document
from corpus.headline import is_caption, looks_like_names

P1 = (
    "Officials in Tehran said on Monday that trade across the border with "
    "Turkmenistan had grown again this year, and that both governments expect more."
)
P2 = (
    "The railway will carry grain north and cotton south, and the two ministries "
    "have set up a joint office in Ashgabat to run the timetable and the tariffs."
)
P3 = (
    "Critics in both capitals say the deal was made in haste, but the traders who "
    "use the crossing every week say it has already cut their waiting times."
)
MENU = "".join(f"* Section {n}\n" for n in range(20))
HEADLINE = "Turkmen Border Trade Grows as Railway Opens"
STOPS = frozenset({"the", "a", "of", "in", "and", "to", "for", "with", "on"})


def page_text(*lines: str) -> str:
    return MENU + "\n".join(lines) + "\n"


def title_of(*lines: str) -> str:
    text = MENU + "\n".join(lines) + "\n"
    return parse_document(read_document(text, name="page.txt")).title


def test_a_photo_caption_near_the_body_is_not_the_headline() -> None:
    caption = (
        "Trade across the border with Turkmenistan has grown this year. "
        "Photograph by Jane Lens/Example Agency"
    )
    title = title_of(HEADLINE, "*", "By", "Jane Analyst", "Nov. 19, 2019", caption, P1)
    assert title == HEADLINE


@pytest.mark.parametrize(
    ("text", "caption"),
    [
        ("Trucks wait at the border crossing in Turkmenistan. Jane Lens/Agency", True),
        ("Trucks wait at the border crossing near the capital. Example Agency", True),
        ("Trucks wait at the border (Photo: Jane Lens)", True),
        ("(Jane Lens / Example Agency)", True),
        ("Man pleads guilty to threatening Rep. Jane Doe", False),
        ("China's Footprint Is Growing. Moscow Has Noticed", False),
        ("The Railway/Port Merger Sends a Signal to Traders", False),
    ],
)
def test_captions_are_told_by_their_photo_credit(text: str, caption: bool) -> None:
    assert is_caption(text) is caption


def test_a_dek_between_the_headline_and_the_byline_is_not_the_headline() -> None:
    dek = "The new line will carry grain north and cotton south, officials said."
    title = title_of(HEADLINE, dek, "By Jane Analyst", "November 19, 2019", P1, P2)
    assert title == HEADLINE


def test_a_sentence_case_dek_without_a_stop_is_not_the_headline() -> None:
    dek = "The railway took ten years to build and the traders waited for all of them"
    title = title_of(HEADLINE, dek, "By Jane Analyst", "November 19, 2019", P1, P2)
    assert title == HEADLINE


def test_a_section_label_over_the_date_is_not_the_headline() -> None:
    title = title_of(
        "Railway Opens",
        "Published 22 hours ago",
        "Turkmen border trade grows again as the Railway Opens to freight",
        "By Jane Analyst | Example Review",
        P1,
        P2,
    )
    assert title == "Turkmen border trade grows again as the Railway Opens to freight"


def test_a_list_of_dated_teasers_is_not_the_header() -> None:
    teasers = []
    for n, word in enumerate(("Grain", "Cotton", "Tariffs", "Timetable")):
        teasers += [f"Turkmen {word} Trade Across the Border Grows"]
        teasers += [f"May {n + 1}, 2018"]
    title = title_of(
        HEADLINE, "Jane Analyst View More Articles", "November 19, 2019", *teasers, P1
    )
    assert title == HEADLINE


def test_author_names_over_the_date_are_credits_not_the_headline() -> None:
    names = "Jane Analyst and John T. Writer Example Gazette"
    assert looks_like_names(names, stops=STOPS)
    assert title_of(HEADLINE, names, "Published 10:02 AM EST Nov 19, 2019", P1) == (
        HEADLINE
    )


def test_a_breadcrumb_is_not_the_headline() -> None:
    title = title_of(
        "Home > Trade > Turkmen Border Trade", HEADLINE, "By Jane Analyst", P1, P2
    )
    assert title == HEADLINE


def test_a_headline_that_names_a_social_network_is_still_a_headline() -> None:
    headline = "Traders take to Twitter as the border railway opens"
    title = title_of(
        "* Home", headline, "By Jane Analyst", "November 19, 2019", P1, P2, P3
    )
    assert title == headline


def test_a_headline_in_a_script_without_case_is_found() -> None:
    headline = "商品の改造が商標法違反に"
    body = (
        "先日、不正に改造した商品を販売したとして、商標法違反の疑いで男性が逮捕された"
        "というニュースを耳にしました。商品の改造は商標法違反になることがあります。"
    )
    title = title_of("ブログ", headline, "by 事務所 ／ 2016.12.01", body, body + "。")
    assert title == headline


def test_a_table_cell_beside_the_headline_is_left_out() -> None:
    title = title_of("Sections", f"{HEADLINE}          Home", "November 19, 2019", P1)
    assert title == HEADLINE


@pytest.mark.parametrize(
    "widget", ["Share on Twitter", "Click to tweet", "* Twitter\n* Facebook"]
)
def test_a_paraphrased_pull_quote_by_a_share_widget_is_not_a_paragraph(
    widget: str,
) -> None:
    quote = "Grain and cotton now cross by rail, and the traders wait less."
    source = (
        "Grain goes north and cotton goes south by rail now, and the traders who "
        "cross every week say they wait less than they did a year ago."
    )
    text = MENU + "\n".join([HEADLINE, "By Jane Analyst", P1, source, quote, widget])
    article = parse_document(read_document(text + f"\n{P2}\n{P3}\n", name="page.txt"))
    texts = [paragraph.text for paragraph in article.paragraphs]
    assert source in texts and P2 in texts
    assert quote not in texts


def test_a_short_paragraph_by_a_share_widget_that_says_something_new_is_kept() -> None:
    short = "Kazakh wheat will use the line from next spring."
    text = MENU + "\n".join(
        [HEADLINE, "By Jane Analyst", P1, P2, short, "Click to tweet", P3]
    )
    article = parse_document(read_document(text + "\n", name="page.txt"))
    assert short in [paragraph.text for paragraph in article.paragraphs]


def test_link_cards_run_into_their_summaries_are_teasers() -> None:
    cards = [
        "Customers Leave Without Paying Bill At Troy SteakhouseA party of six left "
        "the restaurant without paying, the police said on Monday night.",
        "Michigan To Mail Panel Applications To 250,000The state will mail the "
        "applications to voters chosen at random across the state this week.",
    ]
    text = page_text(HEADLINE, "By Jane Analyst", *cards, P1, P2, P3)
    cleaned = clean_scraped_text(text)
    assert not any(card in cleaned.text for card in cards)
    assert P1 in cleaned.text and P3 in cleaned.text


def test_a_brand_written_in_camel_case_is_not_a_teaser() -> None:
    line = (
        "The new MacBook Pro has a redesigned keyboard, and the iPhone maker says "
        "the old one will be phased out over the coming year."
    )
    text = page_text(HEADLINE, "By Jane Analyst", P1, line, P2)
    assert line in clean_scraped_text(text).text


def test_a_long_run_of_short_lines_is_a_menu_even_without_bullets() -> None:
    menu = ["Lions", "Tigers", "Red Wings", "Pistons", "All Sports", "Weather"]
    text = page_text("Home", P3, *menu, HEADLINE, "By Jane Analyst", P1, P2)
    cleaned = clean_scraped_text(text)
    assert [b.reason for b in cleaned.blocks if b.text == "Tigers"] == [
        "menu (a run of short lines)"
    ]
    assert "Tigers" not in cleaned.text and P1 in cleaned.text


def test_the_run_under_the_byline_wins_over_a_heavier_footer_notice() -> None:
    footer = (
        "The customer service centre can be contacted with any questions or "
        "requests about subscriptions, deliveries and the archive, and it is open "
        "from Sunday to Thursday between eight in the morning and six at night, "
        "and on Fridays from eight until one, except on the public holidays of "
        "the year, when it is closed and the answering machine takes messages."
    )
    menu = [f"* Link {n}" for n in range(30)]
    text = page_text(HEADLINE, "By Jane Analyst", "November 20, 2019", P1, P2, *menu)
    cleaned = clean_scraped_text(text + footer + "\n")
    assert P1 in cleaned.text and P2 in cleaned.text
    assert footer not in cleaned.text


def test_a_caption_over_the_credits_at_the_top_of_the_run_is_not_body() -> None:
    caption = (
        "In this file photo made available by the agency, traders wait at the "
        "border crossing with their trucks, and the queue reaches the town."
    )
    text = page_text(
        HEADLINE, caption, "The Example Press", "Published November 18, 2019", P1, P2
    )
    cleaned = clean_scraped_text(text)
    assert caption not in cleaned.text
    assert P1 in cleaned.text and cleaned.title == HEADLINE


def test_a_photo_credit_line_and_the_caption_over_it_are_not_body() -> None:
    caption = "An artist's concept of the new border terminal at night."
    text = page_text(
        HEADLINE, "By Jane Analyst", P1, caption, "(Image credit: Example Agency)", P2
    )
    cleaned = clean_scraped_text(text)
    reasons = {block.text: block.reason for block in cleaned.blocks}
    assert reasons[caption] == "photo caption"
    assert reasons["(Image credit: Example Agency)"] == "photo credit"
    assert caption not in cleaned.text and P2 in cleaned.text


def test_a_caption_that_ends_with_its_credit_is_not_body() -> None:
    caption = (
        "Trucks queue at the crossing before dawn on Monday Credit: Example Agency"
    )
    text = page_text(HEADLINE, "By Jane Analyst", P1, caption, P2, P3)
    assert caption not in clean_scraped_text(text).text


def test_kicker_and_headline_teasers_inside_the_body_are_dropped() -> None:
    teasers = [
        "RAIL FEVER",
        "Grain traders race to book the first freight trains of the winter",
        "BORDER RUSH",
        "Cotton growers fear the new tariffs will cut their profits again",
        "SPRING PLANS",
        "Ministry says the timetable will change again in the spring",
    ]
    text = page_text(HEADLINE, "By Jane Analyst", P1, P2, *teasers, P3)
    cleaned = clean_scraped_text(text)
    reasons = {block.text: block.reason for block in cleaned.blocks}
    assert {reasons[teaser] for teaser in teasers} == {
        "teaser (a kicker and a headline)"
    }
    assert P1 in cleaned.text and P2 in cleaned.text


def test_a_pull_quote_that_repeats_the_body_is_not_a_paragraph() -> None:
    quote = "the two ministries have set up a joint office in Ashgabat"
    text = page_text(HEADLINE, "By Jane Analyst", P1, f"“{quote.capitalize()}.”", P2)
    article = parse_document(read_document(text + f"{P3}\n", name="page.txt"))
    assert [paragraph.text for paragraph in article.paragraphs] == [P1, P2, P3]


def test_a_headline_that_ends_in_a_stop_right_over_its_date_is_found() -> None:
    headline = (
        "Border trade grows again on the Turkmen line. Traders say they saw it coming."
    )
    title = title_of("* Trade", headline, "Updated Nov 19, 9:41 AM", P1, P2, P3)
    assert title == headline


def test_a_photo_credit_line_is_never_the_headline() -> None:
    credit = "Photo: Jane Lens, Example Agency / The Example Press"
    title = title_of(HEADLINE, "November 19, 2019", credit, P1, P2, P3)
    assert title == HEADLINE


def test_account_chrome_is_furniture() -> None:
    text = page_text("You are signed in as", HEADLINE, "By Jane Analyst", P1, P2)
    reasons = {block.text: block.reason for block in clean_scraped_text(text).blocks}
    assert reasons["You are signed in as"] == "page furniture (boilerplate words)"


def test_a_short_last_sentence_of_the_body_is_kept() -> None:
    last = "The traders say they will wait and see."
    teasers = ["Grain Prices Fall Again", "Cotton Harvest Ends Early"]
    text = page_text(HEADLINE, "By Jane Analyst", P1, P2, P3, last, *teasers)
    cleaned = clean_scraped_text(text)
    assert last in cleaned.text
    assert not any(teaser in cleaned.text for teaser in teasers)


def test_a_list_the_body_introduces_with_a_colon_is_kept_entry_by_entry() -> None:
    entries = ["June 9 -- Ashgabat, Turkmenistan", "June 10 -- Mary, Turkmenistan"]
    text = page_text(
        HEADLINE, "By Jane Analyst", P1, P2, P3, "The first freight dates:", *entries
    )
    article = parse_document(read_document(text + "* Privacy Policy\n", name="p.txt"))
    texts = [paragraph.text for paragraph in article.paragraphs]
    assert all(entry in texts for entry in entries)


def test_a_bulleted_list_inside_the_body_is_kept_and_menu_links_are_not() -> None:
    items = [
        "* New freight trains for the winter!",
        "* Lower tariffs on grain and cotton",
    ]
    text = page_text(
        "* Privacy Policy", HEADLINE, "By Jane Analyst", P1, P2, *items, P3
    )
    cleaned = clean_scraped_text(text)
    assert all(item[2:] in cleaned.text for item in items)
    assert "Privacy Policy" not in cleaned.text and P3 in cleaned.text
