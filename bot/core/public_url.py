"""The SSRF guard: is a user's link a public http(s) address Recap may hand to AssemblyAI?

Pure: imports the standard library (ipaddress, re, urllib.parse) and bot.errors only. Links
are judged by their literal text and never fetched or resolved (DESIGN.md, Security details).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from bot.errors import SourceRejected

_BLOCKED_NAMES = ("localhost",)
_BLOCKED_SUFFIXES = tuple(
    f".{tld}"
    for tld in "localhost local internal localdomain home.arpa lan intranet corp "
    "home private svc".split()
)
_NUMERIC_LABEL_RE = re.compile(r"\d+|0x[0-9a-f]*")
_NUMBER_RE = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9]\d*")
_HOST_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}

_NOT_WEB = "Recap only takes links that start with http:// or https://."
_MALFORMED = "That link is not a valid web address."
_USERINFO = "Recap does not take links with a user name or password in them."
_NOT_PUBLIC = "That link points to a private or local address; Recap only takes public links."
_NO_DOMAIN = (
    "That link's host is not a full domain name (like example.com); Recap only takes public links."
)


def check_public_url(url: str) -> str:
    """The normalized link, or SourceRejected when it is not a public http(s) address.

    Only the literal text is judged (no DNS). IP addresses are recognized in every spelling a
    browser or URL library accepts (decimal, hex, octal, short forms, IPv6 with IPv4 inside)
    and rewritten canonically, so whoever fetches the link sees the address checked here.
    """
    raw = url.strip()
    if not raw or len(raw) > 4096 or "\\" in raw or any(c.isspace() or c < " " for c in raw):
        raise SourceRejected(_MALFORMED)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as e:
        raise SourceRejected(_MALFORMED) from e
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise SourceRejected(_NOT_WEB)
    if "@" in parts.netloc:
        raise SourceRejected(_USERINFO)
    if not parts.hostname or port == 0:
        raise SourceRejected(_MALFORMED)
    host = _public_host(parts.hostname, bracketed=parts.netloc.startswith("["))
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path, query = _quote_non_ascii(parts.path or "/"), _quote_non_ascii(parts.query)
    return urlunsplit((scheme, host, path, query, ""))


def _quote_non_ascii(text: str) -> str:
    """Percent-encode what is not ASCII; existing escapes and reserved characters stay."""
    return _NON_ASCII_RE.sub(lambda m: quote(m.group(0), safe=""), text)


def _public_host(hostname: str, *, bracketed: bool) -> str:
    """The host as it goes into the normalized link; raises for anything not public."""
    if bracketed:
        try:
            ip6 = ipaddress.IPv6Address(hostname)
        except ValueError as e:
            raise SourceRejected(_MALFORMED) from e
        if ip6.scope_id is not None or _is_blocked(ip6):
            raise SourceRejected(_NOT_PUBLIC)
        return f"[{ip6.compressed}]"
    host = unquote(hostname)
    if not host.isascii():
        try:  # nameprep folds look-alikes: full-width letters and dots become ASCII
            host = host.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise SourceRejected(_MALFORMED) from e
    host = host.lower()
    host = host[:-1] if host.endswith(".") else host
    labels = host.split(".")
    if len(host) > 253 or not all(_HOST_LABEL_RE.fullmatch(label) for label in labels):
        raise SourceRejected(_MALFORMED)
    if _NUMERIC_LABEL_RE.fullmatch(labels[-1]):
        ip4 = _parse_ipv4(labels)
        if _is_blocked(ip4):
            raise SourceRejected(_NOT_PUBLIC)
        return str(ip4)
    if host in _BLOCKED_NAMES or host.endswith(_BLOCKED_SUFFIXES):
        raise SourceRejected(_NOT_PUBLIC)
    if len(labels) < 2:
        raise SourceRejected(_NO_DOMAIN)
    return host


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address:
    """An IPv4 address the way browsers and inet_aton read it: 127.1, 0x7f.1, 017700000001."""
    if len(labels) > 4 or not all(_NUMBER_RE.fullmatch(label) for label in labels):
        raise SourceRejected(_MALFORMED)
    numbers = [_ipv4_number(label) for label in labels]
    last_limit = 256 ** (5 - len(numbers))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= last_limit:
        raise SourceRejected(_MALFORMED)
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _ipv4_number(label: str) -> int:
    if label.startswith("0x"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)
    return int(label)


def _is_blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Anything but a globally routable unicast address, including IPv4 inside IPv6."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in _NAT64 or int(ip) >> 32 == 0:  # NAT64 and IPv4-compatible ::a.b.c.d
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or any(v4 is not None and _is_blocked(v4) for v4 in inner):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
