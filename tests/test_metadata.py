"""claims.metadata: what a fetched page says about itself, source by source and in order."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.metadata import (
    DESCRIPTION_MAX,
    NAME_MAX,
    TITLE_MAX,
    PageMetadata,
    page_metadata,
    parse_date,
)


def page(head: str = "", body: str = "<p>Text.</p>") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def meta(key: str, content: str, attr: str = "name") -> str:
    return f'<meta {attr}="{key}" content="{content}">'


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


NEWS_PAGE = page(
    """
    <meta charset="utf-8">
    <title>Budget gap widens, officials say | The Daily Planet</title>
    <meta name="description" content="Plain description.">
    <meta name="author" content="Meta Author">
    <meta property="og:title" content="OG: Budget gap widens">
    <meta property="og:site_name" content="The Daily Planet">
    <meta property="og:description" content="OG description.">
    <meta property="article:author" content="https://www.facebook.com/dailyplanet">
    <meta property="article:published_time" content="2025-03-10T08:00:00Z">
    <script type="application/ld+json">
    {
      "@context": "https://schema.org",
      "@type": "NewsArticle",
      "headline": "Budget gap widens, officials say",
      "author": [
        {"@type": "Person", "name": "Lois Lane", "url": "https://planet.example/staff/lois"},
        {"@type": "Person", "name": "Clark Kent"}
      ],
      "publisher": {"@type": "NewsMediaOrganization", "name": "Daily Planet Media"},
      "datePublished": "2025-03-14T23:30:00-05:00",
      "dateModified": "2025-03-16T10:00:00Z",
      "description": "The city's deficit grew again in the last quarter."
    }
    </script>
    """,
    "<article><h1>Budget gap widens</h1><p>The city's deficit grew.</p></article>",
)

SCHOLARLY_PAGE = page(
    """
    <title>Sea level rise in the Baltic - Journal of Coastal Studies</title>
    <meta name="citation_title" content="Sea level rise in the Baltic, 1900&#8211;2020">
    <meta name="citation_author" content="Nowak, Anna">
    <meta name="citation_author" content="Berg, Lars">
    <meta name="citation_author" content="Nowak, Anna">
    <meta name="citation_journal_title" content="Journal of Coastal Studies">
    <meta name="citation_publication_date" content="2024/11/05">
    <meta name="citation_online_date" content="2024/10/01">
    <meta name="DC.title" content="DC title">
    <meta name="DC.creator" content="DC Creator">
    <meta property="og:site_name" content="Coastal Press Online">
    <meta name="description" content="We reconstruct a century of Baltic sea levels.">
    """
)


def test_a_news_page_reads_its_json_ld_first():
    assert page_metadata(NEWS_PAGE, "https://planet.example/news/budget") == PageMetadata(
        title="Budget gap widens, officials say",
        publisher="Daily Planet Media",
        author="Lois Lane; Clark Kent",
        # The date as the publisher wrote it, not shifted to UTC (that would be the 15th).
        published=date(2025, 3, 14),
        description="The city's deficit grew again in the last quarter.",
    )


def test_a_scholarly_page_reads_its_citation_tags_first():
    assert page_metadata(SCHOLARLY_PAGE) == PageMetadata(
        title="Sea level rise in the Baltic, 1900\u20132020",
        publisher="Journal of Coastal Studies",
        author="Nowak, Anna; Berg, Lars",
        published=date(2024, 11, 5),
        description="We reconstruct a century of Baltic sea levels.",
    )


def test_citation_publisher_comes_before_the_journal_and_the_conference():
    head = (
        meta("citation_conference_title", "Proc. of Things")
        + meta("citation_journal_title", "Journal of Things")
        + meta("citation_publisher", "Things Press")
    )
    assert page_metadata(page(head)).publisher == "Things Press"
    head = meta("citation_conference_title", "Proc. of Things")
    assert page_metadata(page(head)).publisher == "Proc. of Things"


# Each layer adds one more trusted source on top of the ones before it.
LAYERS = [
    (
        "plain",
        meta("author", "Plain Author")
        + meta("pubdate", "2020-01-01")
        + meta("description", "Plain description")
        + meta("application-name", "Plain App"),
        ("Plain title", "Plain App", "Plain Author", date(2020, 1, 1), "Plain description"),
    ),
    (
        "dublin core",
        meta("DC.title", "DC title")
        + meta("DC.creator", "DC Creator")
        + meta("DC.publisher", "DC Publisher")
        + meta("DC.date", "2021-02-02")
        + meta("DCTERMS.description", "DC description"),
        ("DC title", "DC Publisher", "DC Creator", date(2021, 2, 2), "DC description"),
    ),
    (
        "open graph",
        meta("og:title", "OG title", "property")
        + meta("og:site_name", "OG Site", "property")
        + meta("article:author", "OG Author", "property")
        + meta("article:published_time", "2022-03-03T10:00:00+01:00", "property")
        + meta("og:description", "OG description", "property"),
        ("OG title", "OG Site", "OG Author", date(2022, 3, 3), "OG description"),
    ),
    (
        "json-ld",
        ld(
            {
                "@type": "Article",
                "headline": "LD title",
                "author": "LD Author",
                "publisher": "LD Publisher",
                "datePublished": "2023-04-04",
                "description": "LD description",
            }
        ),
        ("LD title", "LD Publisher", "LD Author", date(2023, 4, 4), "LD description"),
    ),
    (
        "citation",
        meta("citation_title", "Citation title")
        + meta("citation_author", "Citation Author")
        + meta("citation_publisher", "Citation Publisher")
        + meta("citation_date", "2024-05-05"),
        # Highwire tags carry no description: the one below them stands.
        ("Citation title", "Citation Publisher", "Citation Author", date(2024, 5, 5), None),
    ),
]


@pytest.mark.parametrize("top", range(len(LAYERS)), ids=[name for name, _, _ in LAYERS])
def test_the_most_trusted_source_present_wins(top):
    head = "<title>Plain title</title>" + "".join(tags for _, tags, _ in LAYERS[: top + 1])
    title, publisher, author, published, description = LAYERS[top][2]
    expected_description = description or LAYERS[top - 1][2][4]
    assert page_metadata(page(head)) == PageMetadata(
        title=title,
        publisher=publisher,
        author=author,
        published=published,
        description=expected_description,
    )


def test_meta_names_and_properties_are_read_whatever_their_case():
    head = (
        '<META NAME="Description" CONTENT="Shouted description">'
        '<meta property="OG:Title" content="Shouted title">'
        '<meta name="dcterms.Creator" content="Terms Creator">'
        '<meta name="og:site_name" content="Site in a name attribute">'
        '<meta property="DC.Date" content="2019-07-08">'
    )
    assert page_metadata(page(head)) == PageMetadata(
        title="Shouted title",
        publisher="Site in a name attribute",
        author="Terms Creator",
        published=date(2019, 7, 8),
        description="Shouted description",
    )


def test_several_authors_in_one_source_are_joined():
    head = (
        meta("DC.creator", "Ada Lovelace")
        + meta("DC.creator", "  Charles   Babbage ")
        + meta("DC.creator", "")
        + meta("author", "Someone Else")
    )
    assert page_metadata(page(head)).author == "Ada Lovelace; Charles Babbage"


def test_a_profile_url_is_not_an_author():
    head = (
        meta("article:author", "https://www.facebook.com/someone", "property")
        + meta("article:author", "//twitter.com/someone", "property")
        + meta("author", "Named Person")
    )
    assert page_metadata(page(head)).author == "Named Person"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Jane Doe", "Jane Doe"),
        ({"@type": "Person", "name": "Jane Doe"}, "Jane Doe"),
        (["Jane Doe", "John Roe"], "Jane Doe; John Roe"),
        ([{"name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}], "Jane Doe; John Roe"),
        ([{"name": "Jane Doe"}, "John Roe", 42, None], "Jane Doe; John Roe"),
        ({"@type": "Person", "givenName": "Jane", "familyName": "Doe"}, "Jane Doe"),
        ({"@type": "Organization", "name": {"@value": "Reuters"}}, "Reuters"),
        ({"@type": "Person"}, None),
        (12, None),
    ],
)
def test_json_ld_authors_in_every_shape(author, expected):
    head = ld({"@context": "https://schema.org", "@type": "NewsArticle", "author": author})
    assert page_metadata(page(head)).author == expected


def test_json_ld_graph_with_references_by_id():
    head = ld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "WebPage",
                    "@id": "https://planet.example/a#webpage",
                    "name": "Zoning reform stalls - The Daily Planet",
                    "description": "Page description",
                },
                {
                    "@type": ["Article", "NewsArticle"],
                    "@id": "https://planet.example/a#article",
                    "headline": "Zoning reform stalls",
                    "author": {"@id": "https://planet.example/#/person/1"},
                    "publisher": {"@id": "https://planet.example/#organization"},
                    "datePublished": "2024-02-29T12:00:00+00:00",
                },
                {
                    "@type": "Organization",
                    "@id": "https://planet.example/#organization",
                    "name": "The Daily Planet",
                },
                {
                    "@type": "Person",
                    "@id": "https://planet.example/#/person/1",
                    "name": "Perry White",
                },
            ],
        }
    )
    assert page_metadata(page(head)) == PageMetadata(
        title="Zoning reform stalls",
        publisher="The Daily Planet",
        author="Perry White",
        published=date(2024, 2, 29),
        description="Page description",
    )


def test_json_ld_prefers_the_article_to_the_page_and_site_around_it():
    head = ld(
        [
            {"@type": "WebSite", "name": "The Daily Planet", "description": "Site blurb"},
            {"@type": "BreadcrumbList", "name": "Breadcrumbs"},
            {"@type": "WebPage", "name": "Page name", "dateCreated": "2020-01-01"},
            {
                "@type": "http://schema.org/ReportageNewsArticle",
                "name": "Article name",
                "dateCreated": "2021-06-01",
            },
        ]
    )
    found = page_metadata(page(head))
    assert (found.title, found.published, found.description) == (
        "Article name",
        date(2021, 6, 1),
        None,
    )


def test_json_ld_headline_comes_before_name_and_date_published_before_date_created():
    head = ld(
        {
            "@type": "Report",
            "name": "Report name",
            "headline": "Report headline",
            "dateCreated": "2001-01-01",
            "datePublished": "2002-02-02",
        }
    )
    found = page_metadata(page(head))
    assert (found.title, found.published) == ("Report headline", date(2002, 2, 2))


def test_malformed_json_ld_is_skipped_and_the_next_script_is_read():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Broken",</script>'
        '<script type="application/ld+json">not json at all</script>'
        '<script type="application/ld+json"></script>'
        '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
        '<script type="application/ld+json">"just a string"</script>'
        + ld({"@type": "BlogPosting", "headline": "Second script"})
        + meta("og:title", "OG title", "property")
    )
    assert page_metadata(page(head)).title == "Second script"


def test_json_ld_in_comment_or_cdata_wrappers_and_raw_newlines_in_strings():
    head = (
        '<script type="application/ld+json">\n<!--\n'
        '{"@type": "NewsArticle", "headline": "Wrapped", "description": "Line one\nline two"}'
        "\n-->\n</script>"
    )
    found = page_metadata(page(head))
    assert (found.title, found.description) == ("Wrapped", "Line one line two")


def test_only_json_ld_scripts_are_read():
    head = (
        '<script type="application/json">{"@type": "NewsArticle", "headline": "App state"}</script>'
        '<script>var x = {"@type": "NewsArticle", "headline": "Code"};</script>'
        '<script type=" Application/LD+JSON; charset=utf-8 ">'
        '{"@type": "NewsArticle", "headline": "Real"}</script>'
    )
    assert page_metadata(page(head)).title == "Real"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-14", date(2025, 3, 14)),
        ("2025-03-14T09:30:00Z", date(2025, 3, 14)),
        ("2025-03-14T09:30:00.123+05:30", date(2025, 3, 14)),
        ("2025-03-14T23:30:00-05:00", date(2025, 3, 14)),
        ("20250314", date(2025, 3, 14)),
        ("2025/03/14", date(2025, 3, 14)),
        ("14 March 2025", date(2025, 3, 14)),
        ("March 14, 2025", date(2025, 3, 14)),
        ("Fri, 14 Mar 2025 09:30:00 GMT", date(2025, 3, 14)),
        ("14/03/2025", date(2025, 3, 14)),
        ("  2025-03-14\n", date(2025, 3, 14)),
        # Partial, ambiguous or nonsense: no date rather than a wrong one.
        ("2025", None),
        ("March 2025", None),
        ("03/04/2025", None),
        ("yesterday", None),
        ("Updated recently", None),
        ("not a date 42", None),
        ("0001-01-01", None),
        ("1700-05-05", None),
        ("9999-12-31", None),
        ("1710400000", None),
        ("2025-02-30", None),
        ("13:45", None),
        ("2025-03-14 " + "x" * 100, None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["2025-03-14T09:30:00Z", "2025/03/14", "14 March 2025", "March 14, 2025"]
)
def test_dates_in_every_format_are_read_from_a_page(value):
    assert page_metadata(page(meta("date", value))).published == date(2025, 3, 14)


def test_a_nonsense_date_gives_no_date():
    head = meta("date", "Sometime soon") + meta("pubdate", "99/99/9999")
    assert page_metadata(page(head)).published is None


def test_a_nonsense_date_gives_way_to_the_next_source():
    head = meta("citation_publication_date", "n.d.") + meta("citation_date", "2018-09-10")
    assert page_metadata(page(head)).published == date(2018, 9, 10)


def test_entities_are_decoded_once_more_where_a_page_encoded_them_twice():
    head = (
        "<title>Caf&eacute; owners &amp; the law</title>"
        + meta("author", "Zo&euml; O&amp;#39;Brien")
        + meta("og:site_name", "Tom &amp;amp; Jerry News", "property")
        + ld({"@type": "NewsArticle", "description": "It&#8217;s &quot;fine&quot;"})
    )
    assert page_metadata(page(head)) == PageMetadata(
        title="Café owners & the law",
        publisher="Tom & Jerry News",
        author="Zoë O'Brien",
        description='It\u2019s "fine"',
    )


def test_white_space_and_control_characters_become_single_spaces():
    words = "\n\t \u00a0\x0b\x07" * 200_000
    head = (
        f"<title>{words}Huge{words}white{words}space{words}</title>"
        + meta("description", f"A{words}description")
        + ld({"@type": "Article", "author": f"Jane{words}Doe\u0000"})
        + meta("DC.publisher", "Line&#10;break&#9;and\x07bell")
    )
    found = page_metadata(page(head))
    assert (found.title, found.description, found.author, found.publisher) == (
        "Huge white space",
        "A description",
        "Jane Doe",
        "Line break andbell",
    )


def test_long_values_are_capped():
    head = (
        meta("og:title", "T" * 10_000, "property")
        + meta("og:site_name", "P" * 10_000, "property")
        + meta("author", "A" * 10_000)
        + meta("description", "word " * 10_000)
    )
    found = page_metadata(page(head))
    assert len(found.title or "") == TITLE_MAX
    assert len(found.publisher or "") == NAME_MAX
    assert len(found.author or "") == NAME_MAX
    assert len(found.description or "") <= DESCRIPTION_MAX
    assert (found.title or "").endswith("\u2026")


def test_many_authors_are_capped_too():
    head = "".join(meta("citation_author", f"Author Number {i}") for i in range(500))
    author = page_metadata(page(head)).author or ""
    assert author.startswith("Author Number 0; Author Number 1; ")
    assert len(author) == NAME_MAX


@pytest.mark.parametrize(
    ("title", "publisher", "expected"),
    [
        ("Budget gap widens | The Daily Planet", "The Daily Planet", "Budget gap widens"),
        ("Budget gap widens - The Daily Planet", "The Daily Planet", "Budget gap widens"),
        ("Budget gap widens \u2014 the daily planet", "The Daily Planet", "Budget gap widens"),
        (
            "Budget gap widens | Politics | The Daily Planet",
            "The Daily Planet",
            "Budget gap widens | Politics",
        ),
        ("Budget gap widens | Another Site", "The Daily Planet", None),
        ("Budget gap widens - explained", "The Daily Planet", None),
        ("The Daily Planet", "The Daily Planet", None),
        ("Left-wing | The Daily Planet", None, None),
    ],
)
def test_a_title_loses_its_site_suffix_only_when_it_names_the_publisher(title, publisher, expected):
    head = f"<title>{title}</title>"
    if publisher:
        head += meta("og:site_name", publisher, "property")
    assert page_metadata(page(head)).title == (expected or title)


def test_the_stripped_suffix_is_the_one_that_matches():
    head = "<title>Budget - Live updates | Planet - News</title>" + meta(
        "application-name", "Planet - News"
    )
    found = page_metadata(page(head))
    assert (found.title, found.publisher) == ("Budget - Live updates", "Planet - News")


def test_an_svg_title_is_not_the_page_title():
    body = '<svg viewBox="0 0 10 10"><title>Close icon</title></svg><p>Text.</p>'
    html = page("<title>Real title</title>", body).replace("<title>Real title</title>", "")
    assert page_metadata(html).title is None
    assert page_metadata(page("<title>Real title</title>", body)).title == "Real title"


def test_a_declared_encoding_does_not_garble_text_already_decoded():
    html = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n'
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        '<meta charset="windows-1252"><title>Caf\u00e9 \u2013 \u201cZ\u00fcrich\u201d</title>'
        "</head><body><p>Text.</p></body></html>"
    )
    assert page_metadata(html).title == "Caf\u00e9 \u2013 \u201cZ\u00fcrich\u201d"


def test_trafilatura_finds_a_byline_and_a_dated_url_when_meta_tags_are_silent():
    body = (
        "<article><h1>Council approves budget</h1>"
        '<p class="byline">By <a rel="author" href="/staff/jane-doe">Jane Doe</a></p>'
        + "<p>The council voted on Tuesday to approve the budget for next year.</p>" * 5
        + "</article>"
    )
    html = page("<title>Council approves budget</title>", body)
    found = page_metadata(html, "https://planet.example/2024/05/06/council-budget")
    assert (found.author, found.published) == ("Jane Doe", date(2024, 5, 6))
    assert page_metadata(html).published is None


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        "\x00",
        "\x00\x00<title>\x00</title>",
        "<",
        "<<<>>>",
        "</html>",
        "<!-- only a comment -->",
        "<?xml version='1.0'?>",
        "plain text, no markup at all",
        "<html><head><title></title><meta name='author' content='   '></head></html>",
        "<html><head><meta name='description'><meta content='orphan'></head></html>",
    ],
)
def test_odd_input_gives_empty_fields(html):
    assert page_metadata(html) == PageMetadata()


def test_lone_surrogates_do_not_break_parsing():
    html = "\ud800<title>Caf\u00e9 \udfff</title>"
    assert page_metadata(html).title == "Caf\u00e9 ?"


def test_a_page_with_nothing_to_say():
    html = page(
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        '<link rel="stylesheet" href="/s.css"><script>var a = 1;</script>',
        "<div><p>Some words without a title, a byline or a date.</p></div>",
    )
    assert page_metadata(html, "https://planet.example/about") == PageMetadata(
        title=None, publisher=None, author=None, published=None, description=None
    )


def test_broken_markup_still_yields_what_it_declares():
    html = (
        "<html><head><title>Unclosed title<meta name=author content=Jane Doe>"
        "<meta property=og:site_name content='Planet'><body><div><p>Text<table><td>cell"
    )
    found = page_metadata(html)
    assert found.title is not None
    assert found.title.startswith("Unclosed title")


def test_a_five_megabyte_page():
    paragraph = "<p>Lorem ipsum dolor sit amet, <a href='/x'>consectetur</a> adipiscing.</p>\n"
    body = paragraph * (5_000_000 // len(paragraph))
    html = page(
        "<title>Big | Planet</title>" + meta("og:site_name", "Planet", "property"),
        body + '<span class="byline">By Jane Doe</span>',
    )
    assert len(html) > 4_900_000
    found = page_metadata(html)
    # Past GUESS_MAX only the declared metadata is read: no byline heuristics.
    assert found == PageMetadata(title="Big", publisher="Planet")


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=80))
def test_parse_date_never_raises(value):
    found = parse_date(value)
    assert found is None or 1800 <= found.year <= 2200


MARKUP = [
    *"<>/=\"' &#;:{}[],@\n",
    "<meta ",
    "name=",
    "property=",
    "content=",
    "citation_date",
    "og:title",
    "<title>",
    '<script type="application/ld+json">',
    '"@graph"',
    '"@type"',
    '"author"',
    '"@id"',
    '"NewsArticle"',
    "2025-03-14",
    "&amp;",
    "\x00",
]


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.sampled_from(MARKUP), max_size=60).map("".join))
def test_page_metadata_never_raises_on_markup_shaped_text(html):
    found = page_metadata(html)
    assert all(len(v) <= DESCRIPTION_MAX for v in (found.title, found.description) if v)
