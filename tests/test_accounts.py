"""Account matching: host normalization, the public suffix list, consumer mail, the matcher."""

from __future__ import annotations

import importlib.util
import pickle
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routekit.accounts as accounts_module
from routekit.accounts import (
    FREE_EMAIL_DOMAINS,
    AccountMatch,
    AccountMatcher,
    host_of,
    is_free_email,
    normalize_domains,
    public_suffix_list_version,
    registrable_domain,
)
from routekit.errors import RoutekitError, RoutekitTypeError, RoutekitValueError

DATA = Path(accounts_module.__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------------------------
# host_of


@pytest.mark.parametrize(
    ("written", "host"),
    [
        ("acme.com", "acme.com"),
        ("https://https://acme.com", "acme.com"),
        ("http://https://www.acme.com/x", "acme.com"),
        ("HTTPS://WWW.ACME.COM/ABOUT", "acme.com"),
        ("acme.com:443", "acme.com"),
        ("https://acme.com:8443/path?q=1#top", "acme.com"),
        ("acme.com.", "acme.com"),
        ("https://acme.com./", "acme.com"),
        (" Acme.COM ", "acme.com"),
        ("\tacme.com\n", "acme.com"),
        ("halle@ACME.example", "acme.example"),
        ("  Halle.Berry+crm@Partners.Acme.co.uk ", "partners.acme.co.uk"),
        ("mailto:halle@acme.com", "acme.com"),
        ("MAILTO:halle@acme.com?subject=Demo", "acme.com"),
        ("https://user:secret@acme.com:8080/login", "acme.com"),
        ("//cdn.acme.com/lib.js", "cdn.acme.com"),
        ("acme.com/about", "acme.com"),
        ("acme.com?ref=ad", "acme.com"),
        ("acme.com#pricing", "acme.com"),
        ("ftp://files.acme.com", "files.acme.com"),
        ("www.acme.com", "acme.com"),
        ("www.www.acme.com", "acme.com"),
        ("www2.acme.com", "www2.acme.com"),
        ("www.com", "www.com"),  # stripping would leave a single label
        ("shop.acme.com", "shop.acme.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("BÜCHER.DE", "xn--bcher-kva.de"),
        ("https://www.bücher.de/kontakt", "xn--bcher-kva.de"),
        ("info@bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("食狮.com.cn", "xn--85x722f.com.cn"),
        ("食狮。公司。cn", "xn--85x722f.xn--55qx5d.cn"),  # ideographic full stops
        ("ＡＣＭＥ．ｃｏｍ", "acme.com"),  # full-width letters and dot
        ("a-b.acme.com", "a-b.acme.com"),
        ("acme.com/redirect?to=https://evil.example", "acme.com"),
    ],
)
def test_host_of_normalizes(written: str, host: str) -> None:
    assert host_of(written) == host


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        3.5,
        True,
        b"acme.com",
        ["acme.com"],
        {"domain": "acme.com"},
        "",
        "   ",
        "not a domain",
        "acme .com",
        "acme",
        "localhost",
        "https://",
        "mailto:",
        "halle@",
        "1.2.3.4",
        "https://10.0.0.1:8080/",
        "[::1]",
        "http://[2001:db8::1]/",
        "acme..com",
        ".acme.com",
        "acme.com..",
        "-acme.com",
        "acme-.com",
        "ac_me.com",
        "acme.com:http",
        "acme.com:80:80",
        "a" * 64 + ".com",
        "Acme Inc <halle@acme.com>",
        "xn--.com",
    ],
)
def test_host_of_refuses_what_is_not_a_host(value: Any) -> None:
    assert host_of(value) is None


def test_host_of_length_limits() -> None:
    label = "a" * 63
    assert host_of(label + ".com") == label + ".com"
    longest = ".".join([label, label, label, "a" * 57, "com"])  # 253 characters
    assert len(longest) == 253
    assert host_of(longest) == longest
    assert host_of("a" + longest) is None


def test_host_of_is_fast_on_huge_and_hostile_input() -> None:
    started = time.perf_counter()
    assert host_of("a" * 10_000_000) is None
    assert host_of("a." * 5_000_000 + "com") is None
    assert host_of("a://" * 2_500_000 + "acme.com") == "acme.com"  # linear, not quadratic
    assert host_of("https://" + "x" * 10_000_000 + ".com/") is None
    assert host_of("@" * 10_000_000) is None
    assert time.perf_counter() - started < 5


# The host part of generated URLs: labels that are hosts, possibly Unicode, mixed case.
_label = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-üßéж食"),
    min_size=1,
    max_size=12,
)
_host_like = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(_label, min_size=1, max_size=4),
    st.sampled_from(["com", "co.uk", "de", "com.au", "ck", "github.io", "example", "COM"]),
)
_written = st.builds(
    lambda pre, www, host, port, path: f"{pre}{www}{host}{port}{path}",
    st.sampled_from(["", "https://", "http://https://", "halle@", "mailto:x@", " ", "//"]),
    st.sampled_from(["", "www.", "WWW.", "www.www."]),
    _host_like,
    st.sampled_from(["", ":443", ".", ":"]),
    st.sampled_from(["", "/", "/about?x=1", "#top", " "]),
)


@settings(max_examples=50, deadline=None)
@given(st.one_of(_written, st.text(max_size=40)))
def test_host_of_is_idempotent_on_its_output(value: str) -> None:
    host = host_of(value)
    if host is not None:
        assert host_of(host) == host
        assert host == host.strip().lower()
        assert host.isascii()
        assert len(host) <= 253
        assert registrable_domain(host) == registrable_domain(value)


# --------------------------------------------------------------------------------------------
# registrable_domain and the public suffix list


@pytest.mark.parametrize(
    ("written", "registrable"),
    [
        ("partners.acme.co.uk", "acme.co.uk"),
        ("blog.acme.com.au", "acme.com.au"),
        ("acme.com", "acme.com"),
        ("https://WWW.Acme.com/about", "acme.com"),
        ("halle@mail.eu.acme.com", "acme.com"),
        ("halle@ACME.example", "acme.example"),  # unlisted TLD: the implicit "*" rule
        ("co.uk", None),
        ("com", None),
        ("not a domain", None),
        (None, None),
        ("bücher.de", "xn--bcher-kva.de"),
        ("shop.bücher.de", "xn--bcher-kva.de"),
        # wildcard *.ck and exception !www.ck
        ("test.ck", None),
        ("b.test.ck", "b.test.ck"),
        ("a.b.test.ck", "b.test.ck"),
        ("www.ck", "www.ck"),
        ("www.www.ck", "www.ck"),
        # wildcard *.kobe.jp and exception !city.kobe.jp
        ("c.kobe.jp", None),
        ("b.c.kobe.jp", "b.c.kobe.jp"),
        ("city.kobe.jp", "city.kobe.jp"),
        ("www.city.kobe.jp", "city.kobe.jp"),
        # private section: a customer on a shared platform is not the platform
        ("acme.github.io", "acme.github.io"),
        ("https://docs.acme.github.io/x", "acme.github.io"),
        ("acme.blogspot.com", "acme.blogspot.com"),
        ("acme.myshopify.com", "acme.myshopify.com"),
        # ... but a private suffix itself belongs to the company that registered it
        ("github.io", "github.io"),
        ("blogspot.com", "blogspot.com"),
        ("uk.com", "uk.com"),
        ("example.uk.com", "example.uk.com"),
    ],
)
def test_registrable_domain(written: Any, registrable: Optional[str]) -> None:
    assert registrable_domain(written) == registrable


def _psl_test_vectors() -> List[Any]:
    """The public domain test vectors published with the list (tests/test_psl.txt upstream)."""
    null = None
    vectors = [
        ("COM", null),
        ("example.COM", "example.com"),
        ("WwW.example.COM", "example.com"),
        (".com", null),
        (".example", null),
        (".example.com", null),
        (".example.example", null),
        ("example", null),
        ("example.example", "example.example"),
        ("b.example.example", "example.example"),
        ("a.b.example.example", "example.example"),
        ("biz", null),
        ("domain.biz", "domain.biz"),
        ("b.domain.biz", "domain.biz"),
        ("a.b.domain.biz", "domain.biz"),
        ("com", null),
        ("example.com", "example.com"),
        ("b.example.com", "example.com"),
        ("a.b.example.com", "example.com"),
        ("example.uk.com", "example.uk.com"),
        ("b.example.uk.com", "example.uk.com"),
        ("a.b.example.uk.com", "example.uk.com"),
        ("test.ac", "test.ac"),
        ("mm", null),
        ("c.mm", null),
        ("b.c.mm", "b.c.mm"),
        ("a.b.c.mm", "b.c.mm"),
        ("jp", null),
        ("test.jp", "test.jp"),
        ("www.test.jp", "test.jp"),
        ("ac.jp", null),
        ("test.ac.jp", "test.ac.jp"),
        ("www.test.ac.jp", "test.ac.jp"),
        ("kyoto.jp", null),
        ("test.kyoto.jp", "test.kyoto.jp"),
        ("ide.kyoto.jp", null),
        ("b.ide.kyoto.jp", "b.ide.kyoto.jp"),
        ("a.b.ide.kyoto.jp", "b.ide.kyoto.jp"),
        ("c.kobe.jp", null),
        ("b.c.kobe.jp", "b.c.kobe.jp"),
        ("a.b.c.kobe.jp", "b.c.kobe.jp"),
        ("city.kobe.jp", "city.kobe.jp"),
        ("www.city.kobe.jp", "city.kobe.jp"),
        ("ck", null),
        ("test.ck", null),
        ("b.test.ck", "b.test.ck"),
        ("a.b.test.ck", "b.test.ck"),
        ("www.ck", "www.ck"),
        ("www.www.ck", "www.ck"),
        ("us", null),
        ("test.us", "test.us"),
        ("www.test.us", "test.us"),
        ("ak.us", null),
        ("test.ak.us", "test.ak.us"),
        ("www.test.ak.us", "test.ak.us"),
        ("k12.ak.us", null),
        ("test.k12.ak.us", "test.k12.ak.us"),
        ("www.test.k12.ak.us", "test.k12.ak.us"),
        ("食狮.com.cn", "食狮.com.cn"),
        ("食狮.公司.cn", "食狮.公司.cn"),
        ("www.食狮.公司.cn", "食狮.公司.cn"),
        ("shishi.公司.cn", "shishi.公司.cn"),
        ("公司.cn", null),
        ("食狮.中国", "食狮.中国"),
        ("www.食狮.中国", "食狮.中国"),
        ("shishi.中国", "shishi.中国"),
        ("中国", null),
        ("xn--85x722f.com.cn", "xn--85x722f.com.cn"),
        ("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),
        ("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),
        ("shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"),
        ("xn--55qx5d.cn", null),
        ("xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"),
        ("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"),
        ("shishi.xn--fiqs8s", "shishi.xn--fiqs8s"),
        ("xn--fiqs8s", null),
    ]
    return [
        (domain, None if expected is None else expected.encode("idna").decode("ascii"))
        for domain, expected in vectors
    ]


@pytest.mark.parametrize(("domain", "expected"), _psl_test_vectors())
def test_public_suffix_list_test_vectors(domain: str, expected: Optional[str]) -> None:
    assert registrable_domain(domain) == expected


def test_uk_com_differs_from_upstream_vectors_on_purpose() -> None:
    # Upstream says "uk.com" (a private-section suffix) has no registrable domain; routekit
    # treats a private suffix as the registrable domain of the company that runs it.
    assert registrable_domain("uk.com") == "uk.com"
    assert registrable_domain("co.uk") is None


def test_suffix_rules_algorithm_on_a_small_list() -> None:
    psl = accounts_module._parse_suffix_list(
        "// VERSION: test\n"
        "// ===BEGIN ICANN DOMAINS===\n"
        "com\nuk\nco.uk\n*.ck\n!www.ck\n*.kobe.jp\n!city.kobe.jp\n中国\n"
        "// ===END ICANN DOMAINS===\n"
        "// ===BEGIN PRIVATE DOMAINS===\n"
        "github.io\n*.compute.cloud.com  trailing words are ignored\n"
        "// ===END PRIVATE DOMAINS===\n"
    )
    assert psl.version == "test"
    assert "github.io" in psl.full.exact and "github.io" not in psl.icann.exact
    assert "xn--fiqs8s" in psl.icann.exact
    assert psl.full.wildcard == {"ck", "kobe.jp", "compute.cloud.com"}
    assert psl.icann.exception == {"www.ck", "city.kobe.jp"}

    def suffix_size(host: str) -> int:
        labels = host.split(".")
        suffixes = [".".join(labels[i:]) for i in range(len(labels))]
        return accounts_module._suffix_labels(suffixes, psl.full)

    assert suffix_size("a.b.co.uk") == 2
    assert suffix_size("a.b.ck") == 2  # wildcard
    assert suffix_size("a.www.ck") == 1  # exception prevails
    assert suffix_size("x.city.kobe.jp") == 2
    assert suffix_size("a.b.kobe.jp") == 3
    assert suffix_size("a.b.unlisted") == 1  # implicit "*"
    assert suffix_size("x.y.compute.cloud.com") == 4


def test_shipped_list_is_a_real_snapshot_with_both_sections() -> None:
    text = (DATA / "public_suffix_list.dat").read_text(encoding="utf-8")
    assert text.startswith("// This Source Code Form is subject to the terms of the Mozilla")
    assert "===BEGIN ICANN DOMAINS===" in text and "===BEGIN PRIVATE DOMAINS===" in text
    version = public_suffix_list_version()
    assert version != "unknown"
    assert f"// VERSION: {version}" in text


def test_refresh_script_validates_without_network(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "refresh_public_suffix", REPO / "scripts" / "refresh_public_suffix.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = (DATA / "public_suffix_list.dat").read_text(encoding="utf-8")
    script.validate(shipped)
    assert script.version_of(shipped) == public_suffix_list_version()
    with pytest.raises(ValueError, match="markers"):
        script.validate(shipped.replace("// ===BEGIN PRIVATE DOMAINS===", ""))
    with pytest.raises(ValueError):
        script.validate("<html>Service unavailable</html>")
    output = tmp_path / "psl.dat"
    source = tmp_path / "new.dat"
    source.write_text(shipped, encoding="utf-8")
    assert script.main(["--from-file", str(source), "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == shipped
    source.write_text("garbage", encoding="utf-8")
    assert script.main(["--from-file", str(source), "--output", str(output)]) == 1
    assert output.read_text(encoding="utf-8") == shipped


# --------------------------------------------------------------------------------------------
# Consumer mail


def test_free_email_list_covers_the_big_providers() -> None:
    for domain in [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "live.com",
        "yahoo.com",
        "yahoo.co.jp",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
    ]:
        assert domain in FREE_EMAIL_DOMAINS, domain
    assert len(FREE_EMAIL_DOMAINS) >= 300
    assert isinstance(FREE_EMAIL_DOMAINS, frozenset)
    assert "google.com" not in FREE_EMAIL_DOMAINS
    assert "acme.com" not in FREE_EMAIL_DOMAINS


def test_free_email_list_file_is_clean() -> None:
    entries = [
        line.strip()
        for line in (DATA / "free_email_domains.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(entries) == len(set(entries)), "duplicate entries"
    for entry in entries:
        assert host_of(entry) == entry, entry  # already in canonical form
        assert registrable_domain(entry) is not None, entry
    assert frozenset(entries) == FREE_EMAIL_DOMAINS


@pytest.mark.parametrize(
    "value",
    [
        "halle@gmail.com",
        " Halle@GMAIL.com ",
        "gmail.com",
        "https://www.gmail.com/",
        "someone@googlemail.com",
        "x@hotmail.co.uk",
        "x@mail.yahoo.co.jp",  # a subdomain of a listed domain
        "x@privaterelay.appleid.com",  # a listed subdomain
    ],
)
def test_is_free_email_true(value: str) -> None:
    assert is_free_email(value)


@pytest.mark.parametrize(
    "value",
    [
        "halle@acme.com",
        "x@appleid.com",  # only the relay subdomain is listed
        "x@gmail.com.acme.example",
        "x@notgmail.com",
        "not an address",
        None,
        42,
        "",
    ],
)
def test_is_free_email_false(value: Any) -> None:
    assert not is_free_email(value)


def test_is_free_email_with_extra_domains() -> None:
    extra = normalize_domains(["Mail.Example.org", "https://www.freemail.example/"])
    assert extra == {"mail.example.org", "freemail.example"}
    assert is_free_email("x@mail.example.org", extra)
    assert is_free_email("x@eu.mail.example.org", extra)
    assert is_free_email("x@freemail.example", extra)
    assert not is_free_email("x@example.org", extra)
    assert not is_free_email("x@mail.example.org")
    assert is_free_email("x@gmail.com", extra)  # the shipped list still applies


def test_normalize_domains_refuses_bad_entries() -> None:
    with pytest.raises(RoutekitTypeError, match="single string"):
        normalize_domains("gmail.com")
    with pytest.raises(RoutekitTypeError, match="collection"):
        normalize_domains(42)  # type: ignore[arg-type]
    with pytest.raises(RoutekitTypeError, match="not text"):
        normalize_domains(["ok.example", 42])  # type: ignore[list-item]
    with pytest.raises(RoutekitValueError, match="'not a domain' is not a domain"):
        normalize_domains(["not a domain"])
    assert normalize_domains(()) == frozenset()


# --------------------------------------------------------------------------------------------
# AccountMatcher


ACCOUNTS: Dict[str, Dict[str, Any]] = {
    "acme.com": {"owner": "taylor", "stage": "customer"},
    "https://www.Globex.co.uk/": {"owner": "jordan"},
    "initech.example": {"owner": "sam"},
    "gmail.com": {"owner": "google-rep"},  # a real account, but never reachable by mailbox
}


def test_matches_on_email_first() -> None:
    matcher = AccountMatcher(ACCOUNTS)
    result = matcher.match(
        {"email": "halle@ACME.com", "website": "globex.co.uk", "domain": "initech.example"}
    )
    assert result == AccountMatch(
        ACCOUNTS["acme.com"], "email", "acme.com", ("email: acme.com matched",)
    )
    assert result.matched
    assert result.account is ACCOUNTS["acme.com"]


def test_order_is_email_then_website_then_domain() -> None:
    matcher = AccountMatcher(ACCOUNTS)
    by_website = matcher.match(
        {"email": "x@unknown.example", "website": "https://partners.globex.co.uk/team"}
    )
    assert (by_website.field, by_website.key) == ("website", "globex.co.uk")
    assert by_website.account == {"owner": "jordan"}
    assert by_website.notes == (
        "email: unknown.example has no account",
        "website: globex.co.uk matched",
    )
    by_domain = matcher.match({"email": None, "website": "  ", "domain": "INITECH.example."})
    assert (by_domain.field, by_domain.key) == ("domain", "initech.example")
    assert by_domain.notes == (
        "email: missing",
        "website: missing",
        "domain: initech.example matched",
    )


def test_keys_and_leads_meet_at_the_registrable_domain() -> None:
    matcher = AccountMatcher({"partners.acme.co.uk": {"owner": "taylor"}})
    for written in [
        "halle@acme.co.uk",
        "halle@eu.partners.acme.co.uk",
        "https://www.acme.co.uk/about",
        "acme.co.uk:443",
    ]:
        result = matcher.match({"email": written})
        assert result.key == "acme.co.uk", written
        assert result.account == {"owner": "taylor"}


def test_consumer_mail_never_matches_even_a_gmail_account() -> None:
    matcher = AccountMatcher(ACCOUNTS)
    result = matcher.match({"email": "someone@gmail.com"})
    assert result.account is None
    assert result.notes == (
        "email: gmail.com is a consumer mailbox, never an account",
        "website: missing",
        "domain: missing",
    )
    for lead in [
        {"website": "https://gmail.com"},
        {"domain": "GMAIL.COM"},
        {"email": "x@mail.gmail.com"},
    ]:
        assert matcher.match(lead).account is None, lead


def test_consumer_mail_falls_through_to_the_website() -> None:
    matcher = AccountMatcher(ACCOUNTS)
    result = matcher.match({"email": "halle@gmail.com", "website": "www.acme.com"})
    assert (result.field, result.key, result.account) == (
        "website",
        "acme.com",
        ACCOUNTS["acme.com"],
    )
    assert result.notes == (
        "email: gmail.com is a consumer mailbox, never an account",
        "website: acme.com matched",
    )


def test_host_added_consumer_domains() -> None:
    matcher = AccountMatcher(ACCOUNTS, free_email_domains=["Acme.com"])
    assert "acme.com" in matcher.free_email_domains
    assert "gmail.com" in matcher.free_email_domains
    assert matcher.is_free_email("x@acme.com")
    result = matcher.match({"email": "x@acme.com", "domain": "initech.example"})
    assert result.field == "domain"
    assert result.notes[0] == "email: acme.com is a consumer mailbox, never an account"


def test_notes_explain_each_key_that_did_not_match() -> None:
    matcher = AccountMatcher(ACCOUNTS)
    result = matcher.match({"email": "x@example.org", "website": "co.uk", "domain": "not a domain"})
    assert result == AccountMatch(
        None,
        None,
        None,
        (
            "email: example.org has no account",
            "website: co.uk is a public suffix, not a company's domain",
            "domain: 'not a domain' is not a domain",
        ),
    )
    assert not result.matched


def test_odd_lead_values_never_raise() -> None:
    matcher = AccountMatcher(ACCOUNTS)
    result = matcher.match(
        {"email": 42, "website": ["acme.com"], "domain": {"nested": [1, 2, float("nan")]}}
    )
    assert result.account is None
    assert result.notes == (
        "email: 42 is not a domain",
        "website: a list value is not a domain",
        "domain: a dict value is not a domain",
    )
    assert matcher.match({}).notes == ("email: missing", "website: missing", "domain: missing")
    assert matcher.match({"email": []}).notes[0] == "email: missing"
    huge = matcher.match({"email": "x" * 10_000_000})
    assert huge.notes[0] == "email: " + repr("x" * 57 + "...") + " is not a domain"


def test_the_same_key_is_looked_up_once() -> None:
    calls: List[str] = []

    def lookup(domain: str) -> Optional[Mapping[str, Any]]:
        calls.append(domain)
        return None

    matcher = AccountMatcher(lookup)
    result = matcher.match(
        {"email": "x@acme.com", "website": "https://www.acme.com", "domain": "initech.example"}
    )
    assert calls == ["acme.com", "initech.example"]
    assert result.notes == (
        "email: acme.com has no account",
        "website: acme.com already tried",
        "domain: initech.example has no account",
    )


def test_callable_accounts_get_the_registrable_domain() -> None:
    seen: List[str] = []

    def lookup(domain: str) -> Optional[Mapping[str, Any]]:
        seen.append(domain)
        return {"owner": "taylor"} if domain == "acme.co.uk" else None

    matcher = AccountMatcher(lookup)
    result = matcher.match({"email": "Halle@Partners.ACME.co.uk"})
    assert seen == ["acme.co.uk"]
    assert result.account == {"owner": "taylor"}
    assert (result.field, result.key) == ("email", "acme.co.uk")
    # consumer mail is filtered before the callable is ever asked
    seen.clear()
    assert matcher.match({"email": "x@gmail.com"}).account is None
    assert seen == []


def test_a_failing_callable_is_a_reason_not_an_exception() -> None:
    def lookup(domain: str) -> Any:
        if domain == "acme.com":
            raise ConnectionError("CRM timed out")
        if domain == "globex.example":
            return ["not", "a", "mapping"]
        return {"owner": "sam"}

    matcher = AccountMatcher(lookup)
    result = matcher.match(
        {"email": "x@acme.com", "website": "globex.example", "domain": "initech.example"}
    )
    assert result.account == {"owner": "sam"}
    assert result.field == "domain"
    assert result.notes == (
        "email: account lookup for acme.com failed: ConnectionError: CRM timed out",
        "website: account lookup for globex.example returned list, not a mapping",
        "domain: initech.example matched",
    )

    def always_fails(domain: str) -> Any:
        raise RuntimeError("x" * 1000)

    failed = AccountMatcher(always_fails).match({"email": "a@acme.com"})
    assert failed.account is None
    assert failed.notes[0].startswith("email: account lookup for acme.com failed: RuntimeError: x")
    assert len(failed.notes[0]) < 300


def test_bad_account_data_is_refused_at_construction() -> None:
    with pytest.raises(RoutekitValueError) as duplicate:
        AccountMatcher({"acme.com": {"owner": "a"}, "https://WWW.acme.com/": {"owner": "b"}})
    message = str(duplicate.value)
    assert "'acme.com'" in message and "'https://WWW.acme.com/'" in message
    with pytest.raises(RoutekitValueError, match="same domain"):
        AccountMatcher({"sales.acme.co.uk": {}, "acme.co.uk": {}})
    with pytest.raises(RoutekitTypeError, match=r"accounts\['acme.com'\].*str, not a mapping"):
        AccountMatcher({"acme.com": "taylor"})  # type: ignore[dict-item]
    with pytest.raises(RoutekitTypeError, match="not a domain"):
        AccountMatcher({42: {"owner": "a"}})  # type: ignore[dict-item]
    with pytest.raises(RoutekitValueError, match="'not a domain' is not a domain"):
        AccountMatcher({"not a domain": {"owner": "a"}})
    with pytest.raises(RoutekitValueError, match="public suffix"):
        AccountMatcher({"co.uk": {"owner": "a"}})
    for wrong in (None, 42, ["acme.com"], "acme.com"):
        with pytest.raises(RoutekitTypeError, match="mapping from domain"):
            AccountMatcher(wrong)  # type: ignore[arg-type]
    with pytest.raises(RoutekitTypeError, match="single string"):
        AccountMatcher({}, free_email_domains="gmail.com")
    with pytest.raises(RoutekitValueError):
        AccountMatcher({}, free_email_domains=["not a domain"])


def test_errors_are_routekit_errors_and_builtin_kinds() -> None:
    with pytest.raises(RoutekitError):
        AccountMatcher({"co.uk": {}})
    with pytest.raises(ValueError):
        AccountMatcher({"co.uk": {}})
    with pytest.raises(TypeError):
        AccountMatcher(42)  # type: ignore[arg-type]


def test_matcher_copies_the_index_and_is_frozen() -> None:
    book: Dict[str, Any] = {"acme.com": {"owner": "taylor"}}
    matcher = AccountMatcher(book)
    book["initech.example"] = {"owner": "sam"}
    assert matcher.match({"domain": "initech.example"}).account is None
    with pytest.raises(AttributeError):
        matcher.free_email_domains = frozenset()  # type: ignore[misc]
    result = matcher.match({"domain": "acme.com"})
    with pytest.raises(AttributeError):
        result.key = "x"  # type: ignore[misc]
    assert repr(matcher) == "AccountMatcher(1 accounts)"


def test_matcher_pickles_with_a_mapping() -> None:
    matcher = AccountMatcher(ACCOUNTS, free_email_domains=["freemail.example"])
    clone = pickle.loads(pickle.dumps(matcher))
    lead = {"email": "x@freemail.example", "website": "acme.com"}
    assert clone.match(lead) == matcher.match(lead)


def test_matching_is_cheap_for_a_large_account_book() -> None:
    book = {f"company{i}.example": {"owner": f"rep{i % 50}"} for i in range(50_000)}
    started = time.perf_counter()
    matcher = AccountMatcher(book)
    built = time.perf_counter() - started
    leads = [
        {"email": f"person@company{i}.example", "website": f"https://www.company{i}.example/"}
        for i in range(0, 50_000, 10)
    ]
    started = time.perf_counter()
    for lead in leads:
        assert matcher.match(lead).account is not None
    per_match = (time.perf_counter() - started) / len(leads)
    assert built < 10
    assert per_match < 0.001  # generous: microseconds in practice
