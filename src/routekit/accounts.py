"""Matching leads to known accounts by company domain.

A lead names its company in three messy ways (an e-mail address, a website, a bare domain);
an account book is keyed by domain. Both sides are reduced to the *registrable* domain
(``partners.acme.co.uk`` and ``https://www.acme.co.uk/about`` are both ``acme.co.uk``) with the
public suffix list shipped as package data, so the same company meets itself whatever was
typed. Consumer mailbox domains (gmail.com, ...) are people, not companies, and never match.

Everything here runs on every decision: data files are read once, lazily; host and
registrable-domain answers are memoized; an account mapping is indexed at construction.
"""

from __future__ import annotations

import functools
import sys
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import attrs

from .errors import RoutekitTypeError, RoutekitValueError

__all__ = [
    "FREE_EMAIL_DOMAINS",
    "AccountMatch",
    "AccountMatcher",
    "host_of",
    "is_free_email",
    "normalize_domains",
    "public_suffix_list_version",
    "registrable_domain",
]

_DATA_PACKAGE = "routekit.data"
_PSL_FILE = "public_suffix_list.dat"
_FREE_EMAIL_FILE = "free_email_domains.txt"

# The lead fields tried for an account, in order.
_LEAD_FIELDS = ("email", "website", "domain")

# Inputs longer than this are answered without the memo, so a huge string is never kept alive.
_MAX_MEMO_INPUT = 1024
# A host part longer than this is refused before any per-character work (253 is the DNS limit;
# the slack is for Unicode that IDNA mapping may shorten).
_MAX_HOST_INPUT = 1024
_MAX_HOST = 253
_MAX_LABEL = 63
_MAX_SCHEME = 32

_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
# IDNA (RFC 3490 §3.1) treats these as label separators, like ".".
_IDNA_DOTS = {0x3002: ".", 0xFF0E: ".", 0xFF61: "."}
_AUTHORITY_ENDS = "/?#\\"


# --------------------------------------------------------------------------------------------
# Package data


def _read_data(name: str) -> str:
    """The text of one of routekit's own data files: the only file routekit opens by itself."""
    if sys.version_info >= (3, 9):
        from importlib.resources import files

        return files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    from importlib import resources  # pragma: no cover - Python 3.8 only

    return resources.read_text(_DATA_PACKAGE, name, encoding="utf-8")  # pragma: no cover


@functools.lru_cache(maxsize=None)
def _free_email_domains() -> FrozenSet[str]:
    """The shipped consumer mail list, read and normalized on first use."""
    domains: Set[str] = set()
    for line in _read_data(_FREE_EMAIL_FILE).splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            host = host_of(entry)
            if host is not None:
                domains.add(host)
    return frozenset(domains)


if TYPE_CHECKING:
    FREE_EMAIL_DOMAINS: FrozenSet[str]
else:

    def __getattr__(name: str) -> Any:
        """Load ``FREE_EMAIL_DOMAINS`` on first access rather than at import."""
        if name == "FREE_EMAIL_DOMAINS":
            return _free_email_domains()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------------------------
# Hosts


def host_of(value: object) -> Optional[str]:
    """The host named by an e-mail address, URL or bare domain, in one canonical form.

    Lower case, IDNA A-labels, without ``www.``, scheme (even repeated), userinfo, port, path,
    query, trailing dot or surrounding space, so that every way of writing a company's
    domain compares equal. None for anything that is not a plausible host name (not text,
    blank, spaces or other characters outside letters, digits and ``-`` in a label, a single
    label, an IP address, longer than 253 characters).
    """
    if not isinstance(value, str):
        return None
    if len(value) > _MAX_MEMO_INPUT:
        return _host_of_text(value)
    return _host_of_memo(value)


def _host_of_text(text: str) -> Optional[str]:
    s = text.strip()
    pos = 0
    if s[:7].lower() == "mailto:":
        pos = 7
    else:
        # Each find looks at a bounded window, so "a://a://..." stays linear.
        while True:
            end = s.find("://", pos, pos + _MAX_SCHEME + 3)
            if end <= pos or not _SCHEME_CHARS.issuperset(s[pos:end]) or not s[pos].isalpha():
                break
            pos = end + 3
        if s.startswith("//", pos):
            pos += 2
    end = len(s)
    for stop in _AUTHORITY_ENDS:
        found = s.find(stop, pos, end)
        if found >= 0:
            end = found
    authority = s[pos:end]
    if "@" in authority:
        authority = authority.rpartition("@")[2]
    if not authority or len(authority) > _MAX_HOST_INPUT or authority[0] == "[":
        return None  # blank, absurd, or an IPv6 literal
    host, colon, port = authority.rpartition(":")
    if colon:
        if port and not (port.isascii() and port.isdigit()):
            return None
        authority = host
    if not authority.isascii():
        authority = authority.translate(_IDNA_DOTS)
    if authority.endswith("."):
        authority = authority[:-1]
    labels: List[str] = []
    for label in authority.split("."):
        encoded = _encode_label(label)
        if encoded is None:
            return None
        labels.append(encoded)
    if len(labels) < 2 or labels[-1].isdigit():
        return None  # "localhost", "acme", or an IPv4 address: not a domain
    while len(labels) > 2 and labels[0] == "www":
        del labels[0]
    result = ".".join(labels)
    return result if len(result) <= _MAX_HOST else None


_host_of_memo = functools.lru_cache(maxsize=4096)(_host_of_text)


def _encode_label(label: str) -> Optional[str]:
    """One DNS label as a lower-case LDH A-label, or None when it cannot be one."""
    if label.isascii():
        label = label.lower()
    else:
        try:
            label = label.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    if (
        not label
        or len(label) > _MAX_LABEL
        or label[0] == "-"
        or label[-1] == "-"
        or not _LDH.issuperset(label)
    ):
        return None
    return label


# --------------------------------------------------------------------------------------------
# The public suffix list


@attrs.frozen
class _Rules:
    """One view of the public suffix list, as sets of dotted A-label names."""

    exact: FrozenSet[str]
    wildcard: FrozenSet[str]  # "ck" for the rule "*.ck"
    exception: FrozenSet[str]  # "www.ck" for the rule "!www.ck"


@attrs.frozen
class _SuffixList:
    icann: _Rules
    full: _Rules  # ICANN and PRIVATE sections together
    version: str


@functools.lru_cache(maxsize=None)
def _suffix_list() -> _SuffixList:
    """The shipped public suffix list, parsed on first use (about 10,000 rules)."""
    return _parse_suffix_list(_read_data(_PSL_FILE))


def _parse_suffix_list(text: str) -> _SuffixList:
    sets: Dict[Tuple[bool, str], Set[str]] = {
        (private, kind): set()
        for private in (False, True)
        for kind in ("exact", "wildcard", "exception")
    }
    private = False
    version = "unknown"
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("//"):
            if "===BEGIN PRIVATE DOMAINS===" in line:
                private = True
            elif "===BEGIN ICANN DOMAINS===" in line:
                private = False
            elif line.startswith("// VERSION:"):
                version = line[len("// VERSION:") :].strip()
            continue
        if not line:
            continue
        rule = line.split()[0]
        kind = "exact"
        if rule.startswith("!"):
            kind, rule = "exception", rule[1:]
        elif rule.startswith("*."):
            kind, rule = "wildcard", rule[2:]
        labels = [_encode_label(label) for label in rule.split(".")]
        if any(label is None for label in labels):
            continue  # a form this parser does not know (none in the list today)
        sets[private, kind].add(".".join(label for label in labels if label is not None))

    def rules(include_private: bool) -> _Rules:
        def pick(kind: str) -> FrozenSet[str]:
            names = set(sets[False, kind])
            if include_private:
                names |= sets[True, kind]
            return frozenset(names)

        return _Rules(pick("exact"), pick("wildcard"), pick("exception"))

    return _SuffixList(icann=rules(False), full=rules(True), version=version)


def _suffix_labels(suffixes: Sequence[str], rules: _Rules) -> int:
    """How many trailing labels form the public suffix (the PSL algorithm).

    ``suffixes[i]`` is the name made of labels ``i..``; ``suffixes[0]`` is the whole host.
    An exception rule prevails; otherwise the longest matching rule; otherwise the implicit
    ``*`` rule (the last label).
    """
    count = len(suffixes)
    for i, name in enumerate(suffixes):
        if name in rules.exception:
            return count - i - 1
    for i, name in enumerate(suffixes):
        if name in rules.exact or (i + 1 < count and suffixes[i + 1] in rules.wildcard):
            return count - i
    return 1


@functools.lru_cache(maxsize=4096)
def _registrable_host(host: str) -> Optional[str]:
    labels = host.split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels))]
    psl = _suffix_list()
    size = _suffix_labels(suffixes, psl.full)
    if size >= len(labels):
        # The host is itself a suffix. A private-section suffix (github.io, blogspot.com) is
        # a name some company registered, so it is registrable under the ICANN rules.
        size = _suffix_labels(suffixes, psl.icann)
        if size >= len(labels):
            return None
    return suffixes[len(labels) - size - 1]


def registrable_domain(value: object) -> Optional[str]:
    """The registrable domain (eTLD+1) of what ``host_of(value)`` names, or None.

    ``partners.acme.co.uk`` -> ``acme.co.uk``; ``acme.github.io`` -> ``acme.github.io``
    (private-section rules apply, so a customer on a shared platform is not the platform);
    a bare ICANN public suffix such as ``co.uk`` -> None.
    """
    host = host_of(value)
    return None if host is None else _registrable_host(host)


def public_suffix_list_version() -> str:
    """The ``VERSION`` line of the shipped public suffix list, for audits and bug reports."""
    return _suffix_list().version


# --------------------------------------------------------------------------------------------
# Consumer mail


def normalize_domains(
    domains: Iterable[str], *, name: str = "free_email_domains"
) -> FrozenSet[str]:
    """Host-supplied domains in ``host_of`` form; bad entries raise, naming ``name``.

    Normalize once at construction so the per-decision checks are plain set lookups.
    """
    if isinstance(domains, (str, bytes)):
        raise RoutekitTypeError(f"{name} must be a collection of domains, not a single string")
    try:
        entries = list(domains)
    except TypeError:
        raise RoutekitTypeError(
            f"{name} must be a collection of domains, not {type(domains).__name__}"
        ) from None
    result: Set[str] = set()
    for entry in entries:
        if not isinstance(entry, str):
            raise RoutekitTypeError(f"{name}: {type(entry).__name__} {_show(entry)} is not text")
        host = host_of(entry)
        if host is None:
            raise RoutekitValueError(f"{name}: {_show(entry)} is not a domain")
        result.add(host)
    return frozenset(result)


def _free_entry(host: str, extra: AbstractSet[str]) -> Optional[str]:
    """The consumer mail entry covering ``host`` (itself or a parent), or None."""
    shipped = _free_email_domains()
    floor = _registrable_host(host)
    name = host
    while True:
        if name in shipped or name in extra:
            return name
        if name == floor:
            return None
        rest = name.partition(".")[2]
        if "." not in rest:
            return None
        name = rest


def is_free_email(value: object, extra: AbstractSet[str] = frozenset()) -> bool:
    """True when ``value`` (address, URL or domain) is at a consumer mailbox provider.

    Checks the host and its parents down to the registrable domain against the shipped list
    and ``extra`` (entries as ``host_of`` returns them; see ``normalize_domains``).
    """
    host = host_of(value)
    return host is not None and _free_entry(host, extra) is not None


# --------------------------------------------------------------------------------------------
# Matching


def _show(value: object) -> str:
    """A short, safe rendering of a lead value for a note (never huge, never raises)."""
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() <= 64:
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return f"a {type(value).__name__} value"


@attrs.frozen
class AccountMatch:
    """The outcome of matching one lead: the account (or None) and, for the trace, why."""

    account: Optional[Mapping[str, Any]]
    field: Optional[str]
    key: Optional[str]
    notes: Tuple[str, ...]

    @property
    def matched(self) -> bool:
        return self.account is not None


AccountLookup = Callable[[str], Optional[Mapping[str, Any]]]


@attrs.frozen(init=False, eq=False)
class AccountMatcher:
    """Finds the account a lead belongs to, trying its email, website, then domain.

    ``accounts`` is a mapping from domain to record, indexed by registrable domain here and
    now so that each ``match`` is a few set and dict lookups; or a callable given the
    registrable domain, for an account book too large or too live to copy.
    """

    _index: Optional[Dict[str, Mapping[str, Any]]] = attrs.field(repr=False)
    _lookup: Optional[AccountLookup] = attrs.field(repr=False)
    free_email_domains: FrozenSet[str] = attrs.field(repr=False)

    def __init__(
        self,
        accounts: Union[Mapping[str, Mapping[str, Any]], AccountLookup],
        *,
        free_email_domains: Iterable[str] = (),
    ) -> None:
        extra = normalize_domains(free_email_domains)
        index: Optional[Dict[str, Mapping[str, Any]]] = None
        lookup: Optional[AccountLookup] = None
        if isinstance(accounts, Mapping):
            index = _index_accounts(accounts)
        elif callable(accounts):
            lookup = accounts
        else:
            raise RoutekitTypeError(
                "accounts must be a mapping from domain to account record, or a callable "
                f"taking a domain; got {type(accounts).__name__}"
            )
        self.__attrs_init__(index, lookup, _free_email_domains() | extra)

    def __repr__(self) -> str:
        if self._index is not None:
            return f"AccountMatcher({len(self._index)} accounts)"
        return f"AccountMatcher({self._lookup!r})"

    def is_free_email(self, value: object) -> bool:
        """``is_free_email`` with this matcher's list (shipped plus the host's additions)."""
        return is_free_email(value, self.free_email_domains)

    def match(self, lead: Mapping[str, Any]) -> AccountMatch:
        """The first account found from the lead's email, website, then domain; never raises
        for bad lead data or a failing lookup: the notes say what happened to each key."""
        notes: List[str] = []
        tried: List[str] = []
        for field in _LEAD_FIELDS:
            key, problem = self._key_for(lead.get(field))
            if key is None:
                notes.append(f"{field}: {problem}")
                continue
            if key in tried:
                notes.append(f"{field}: {key} already tried")
                continue
            tried.append(key)
            account, problem = self._find(key)
            if account is not None:
                notes.append(f"{field}: {key} matched")
                return AccountMatch(account, field, key, tuple(notes))
            notes.append(f"{field}: {problem}")
        return AccountMatch(None, None, None, tuple(notes))

    def _key_for(self, raw: object) -> Tuple[Optional[str], str]:
        """The registrable domain to look up for one lead value, or None and why not."""
        if raw is None or (isinstance(raw, (list, tuple)) and not raw):
            return None, "missing"
        if isinstance(raw, str) and not raw.strip():
            return None, "missing"
        host = host_of(raw)
        if host is None:
            return None, f"{_show(raw)} is not a domain"
        key = _registrable_host(host)
        if key is None:
            return None, f"{host} is a public suffix, not a company's domain"
        free = _free_entry(host, self.free_email_domains)
        if free is not None:
            return None, f"{free} is a consumer mailbox, never an account"
        return key, ""

    def _find(self, key: str) -> Tuple[Optional[Mapping[str, Any]], str]:
        if self._index is not None:
            account = self._index.get(key)
            return account, f"{key} has no account"
        assert self._lookup is not None
        try:
            found = self._lookup(key)
        except Exception as exc:  # a host callback must never break a decision
            return None, f"account lookup for {key} failed: {_describe_error(exc)}"
        if found is None:
            return None, f"{key} has no account"
        if not isinstance(found, Mapping):
            return None, (
                f"account lookup for {key} returned {type(found).__name__}, not a mapping"
            )
        return found, ""


def _describe_error(exc: Exception) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _index_accounts(accounts: Mapping[Any, Any]) -> Dict[str, Mapping[str, Any]]:
    """The account book keyed by registrable domain; any bad entry raises, naming its key."""
    index: Dict[str, Mapping[str, Any]] = {}
    written: Dict[str, str] = {}
    for raw_key, record in accounts.items():
        if not isinstance(raw_key, str):
            raise RoutekitTypeError(
                f"accounts: key {_show(raw_key)} is {type(raw_key).__name__}, not a domain"
            )
        if not isinstance(record, Mapping):
            raise RoutekitTypeError(
                f"accounts[{raw_key!r}]: the record is {type(record).__name__}, not a mapping"
            )
        host = host_of(raw_key)
        if host is None:
            raise RoutekitValueError(f"accounts: key {_show(raw_key)} is not a domain")
        key = _registrable_host(host)
        if key is None:
            raise RoutekitValueError(
                f"accounts: key {raw_key!r} is a public suffix, not a company's domain"
            )
        if key in index:
            raise RoutekitValueError(
                f"accounts: keys {written[key]!r} and {raw_key!r} are the same domain ({key})"
            )
        index[key] = record
        written[key] = raw_key
    return index
