"""One key per page: the spellings a newsroom meets for the same address."""

from __future__ import annotations

import pytest

from claims.urls import normalize_url


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("https://example.org/news/a", "https://example.org/news/a"),
        ("HTTPS://Example.ORG/news/a", "https://example.org/news/a"),
        ("https://example.org:443/news/a", "https://example.org/news/a"),
        ("http://example.org:80/news/a", "http://example.org/news/a"),
        ("https://example.org:8443/news/a", "https://example.org:8443/news/a"),
        ("https://example.org/news/a/", "https://example.org/news/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/", "https://example.org/"),
        ("https://example.org./news/a", "https://example.org/news/a"),
        ("https://example.org/news/a#comments", "https://example.org/news/a"),
        (
            "https://example.org/news/a?utm_source=tw&utm_medium=social",
            "https://example.org/news/a",
        ),
        ("https://example.org/news/a?fbclid=abc&id=7", "https://example.org/news/a?id=7"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/caf%C3%A9", "https://example.org/caf%C3%A9"),
        ("https://example.org/café", "https://example.org/caf%C3%A9"),
        ("https://example.org/a%2fb", "https://example.org/a%2Fb"),
        ("https://example.org/%7Euser/%61", "https://example.org/~user/a"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
    ],
)
def test_spellings_of_one_page_share_a_key(spelling, key):
    assert normalize_url(spelling) == key


def test_different_pages_keep_different_keys():
    keys = {
        normalize_url(u)
        for u in (
            "https://example.org/a",
            "http://example.org/a",
            "https://example.org/a?id=1",
            "https://example.org/a?id=2",
            "https://example.org/A",
            "https://www.example.org/a",
        )
    }
    assert len(keys) == 6


@pytest.mark.parametrize(
    "bad", ["ftp://example.org/a", "javascript:alert(1)", "example.org/a", "https:///a", ""]
)
def test_non_web_addresses_have_no_key(bad):
    with pytest.raises(ValueError):
        normalize_url(bad)
