"""The SSRF guard: only public http(s) addresses, in every spelling, reach AssemblyAI."""

from __future__ import annotations

import re

import pytest

from bot.core.public_url import check_public_url
from bot.errors import SourceRejected

NOT_PUBLIC = "That link points to a private or local address; Recap only takes public links."


@pytest.mark.parametrize(
    "url",
    [
        # loopback, every spelling
        "http://127.0.0.1/a.mp3",
        "http://127.0.0.1:8080/a.mp3",
        "http://127.0.0.1./a.mp3",
        "http://127.1/a.mp3",
        "http://127.0.1/a.mp3",
        "http://2130706433/a.mp3",
        "http://0x7f000001/a.mp3",
        "http://0X7F000001/a.mp3",
        "http://0x7f.0.0.1/a.mp3",
        "http://0x7f.1/a.mp3",
        "http://0177.0.0.1/a.mp3",
        "http://017700000001/a.mp3",
        "http://0177.1/a.mp3",
        "http://%31%32%37.0.0.1/a.mp3",
        "http://127.0.0.1%2e/a.mp3",
        "http://１２７.０.０.１/a.mp3",
        "http://127。0。0。1/a.mp3",
        "http://[::1]/a.mp3",
        "http://[::1]:80/a.mp3",
        "http://[0:0:0:0:0:0:0:1]/a.mp3",
        "http://[::ffff:127.0.0.1]/a.mp3",
        "http://[::ffff:7f00:1]/a.mp3",
        "http://[::127.0.0.1]/a.mp3",
        "http://[64:ff9b::127.0.0.1]/a.mp3",
        "http://[2002:7f00:1::]/a.mp3",
        # local names
        "http://localhost/a.mp3",
        "http://LOCALHOST/a.mp3",
        "http://localhost./a.mp3",
        "http://localhost:3000/a.mp3",
        "http://%6c%6fcalhost/a.mp3",
        "http://ｌｏｃａｌｈｏｓｔ/a.mp3",
        "http://api.localhost/a.mp3",
        "http://printer.local/a.mp3",
        "http://nas.local./a.mp3",
        "http://db.internal/a.mp3",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/",
        "http://router.home.arpa/a.mp3",
        "http://kubernetes.default.svc/a.mp3",
        # unspecified, private, link-local, shared, multicast, reserved, broadcast
        "http://0/a.mp3",
        "http://0.0.0.0/a.mp3",
        "http://0x0/a.mp3",
        "http://[::]/a.mp3",
        "http://10.0.0.1/a.mp3",
        "http://012.0.0.1/a.mp3",
        "http://167772161/a.mp3",
        "http://172.16.5.4/a.mp3",
        "http://192.168.1.1/a.mp3",
        "http://0xc0a80101/a.mp3",
        "http://[::ffff:192.168.1.1]/a.mp3",
        "http://[fc00::1]/a.mp3",
        "http://[fe80::1]/a.mp3",
        "http://[fe80::1%25eth0]/a.mp3",
        "http://[fec0::1]/a.mp3",
        "http://100.64.0.1/a.mp3",
        "http://224.0.0.1/a.mp3",
        "http://[ff02::1]/a.mp3",
        "http://240.0.0.1/a.mp3",
        "http://255.255.255.255/a.mp3",
        "http://192.0.2.10/a.mp3",
        "http://198.18.0.1/a.mp3",
        # cloud metadata
        "http://169.254.169.254/latest/meta-data/",
        "http://2852039166/latest/meta-data/",
        "http://0xa9fea9fe/latest/meta-data/",
        "http://0251.0376.0251.0376/latest/meta-data/",
        "http://169.254.43518/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        # a fragment or a query does not hide the real host
        "http://127.0.0.1#@good.example.com/a.mp3",
        "http://127.0.0.1?@good.example.com/a.mp3",
        "http://127.0.0.1/#http://good.example.com/a.mp3",
    ],
)
def test_links_to_private_or_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(SourceRejected) as refused:
        check_public_url(url)
    assert str(refused.value) == NOT_PUBLIC


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("ftp://example.com/a.mp3", "only takes links that start with http:// or https://"),
        ("file:///etc/passwd", "only takes links that start with http:// or https://"),
        ("gopher://example.com:70/_x", "only takes links that start with http:// or https://"),
        ("javascript:alert(1)", "only takes links that start with http:// or https://"),
        ("www.example.com/a.mp3", "only takes links that start with http:// or https://"),
        ("http://evil@127.0.0.1/a.mp3", "user name or password"),
        ("http://user:pass@example.com/a.mp3", "user name or password"),
        ("http://good.example.com@127.0.0.1/a.mp3", "user name or password"),
        ("http://127.0.0.1:80@good.example.com/a.mp3", "user name or password"),
        ("http://@example.com/a.mp3", "user name or password"),
        ("http://good.example.com\\@127.0.0.1/a.mp3", "not a valid web address"),
        ("http://example.com/a b.mp3", "not a valid web address"),
        ("http://example.com/\na.mp3", "not a valid web address"),
        ("http:///a.mp3", "not a valid web address"),
        ("http://", "not a valid web address"),
        ("", "not a valid web address"),
        ("http://[::1/a.mp3", "not a valid web address"),
        ("http://example.com:0/a.mp3", "not a valid web address"),
        ("http://example.com:99999/a.mp3", "not a valid web address"),
        ("http://1.2.3.4.5/a.mp3", "not a valid web address"),
        ("http://256.0.0.1/a.mp3", "not a valid web address"),
        ("http://4294967296/a.mp3", "not a valid web address"),
        ("http://08.0.0.1/a.mp3", "not a valid web address"),
        ("http://example.0x1/a.mp3", "not a valid web address"),
        ("http://exa_mple..com/a.mp3", "not a valid web address"),
        ("http://%2561.example.com/a.mp3", "not a valid web address"),
        ("http://exa%00mple.com/a.mp3", "not a valid web address"),
        ("http://foo/a.mp3", "not a full domain name"),
        ("http://intranet./a.mp3", "not a full domain name"),
        ("http://nas:8080/a.mp3", "not a full domain name"),
    ],
)
def test_links_that_are_not_plain_public_web_addresses_are_refused(url: str, sentence: str) -> None:
    with pytest.raises(SourceRejected, match=re.escape(sentence)):
        check_public_url(url)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://cdn.example.com/calls/monday.mp3", "https://cdn.example.com/calls/monday.mp3"),
        ("HTTPS://CDN.Example.COM/Calls/Monday.MP3", "https://cdn.example.com/Calls/Monday.MP3"),
        ("https://example.com:443/a.mp3", "https://example.com/a.mp3"),
        ("http://example.com:80/a.mp3", "http://example.com/a.mp3"),
        ("https://example.com:8443/a.mp3", "https://example.com:8443/a.mp3"),
        ("https://example.com/a.mp3#t=30", "https://example.com/a.mp3"),
        (
            "https://example.com/a.mp3?sig=Ab%2Fc&exp=1",
            "https://example.com/a.mp3?sig=Ab%2Fc&exp=1",
        ),
        ("https://example.com", "https://example.com/"),
        ("https://example.com./a.mp3", "https://example.com/a.mp3"),
        ("  https://example.com/a.mp3\n", "https://example.com/a.mp3"),
        ("https://8.8.8.8/a.mp3", "https://8.8.8.8/a.mp3"),
        ("http://0x08080808/a.mp3", "http://8.8.8.8/a.mp3"),
        ("http://134744072/a.mp3", "http://8.8.8.8/a.mp3"),
        ("https://[2606:4700:4700::1111]/a.mp3", "https://[2606:4700:4700::1111]/a.mp3"),
        ("https://[2606:4700:4700:0:0:0:0:1111]:8443/a", "https://[2606:4700:4700::1111]:8443/a"),
        ("https://bücher.example/hörbuch.mp3", "https://xn--bcher-kva.example/h%C3%B6rbuch.mp3"),
        (
            "https://s3.amazonaws.com/bucket/local/internal.mp3",
            "https://s3.amazonaws.com/bucket/local/internal.mp3",
        ),
        ("https://localhost.example.com/a.mp3", "https://localhost.example.com/a.mp3"),
        ("https://my_bucket.s3.example.com/a.mp3", "https://my_bucket.s3.example.com/a.mp3"),
        ("https://172.32.0.1/a.mp3", "https://172.32.0.1/a.mp3"),
    ],
)
def test_public_links_are_accepted_and_normalized(url: str, normalized: str) -> None:
    assert check_public_url(url) == normalized
