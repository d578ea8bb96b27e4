"""The SSRF address policy and the parsing of every spelling of an IP address."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from yarrow.net import AddressPolicy, parse_ip_literal
from yarrow.settings.ssrf import SsrfSettings

REFUSED = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1",
    "100.127.255.255",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "192.0.0.8",
    "168.63.129.16",
    "100.100.100.200",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::a00:1",
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::1",
    "2001:db8::1",
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450::1"]


@pytest.mark.parametrize("text", REFUSED)
def test_non_public_addresses_are_refused(text: str) -> None:
    reason = AddressPolicy().refusal(ipaddress.ip_address(text))
    assert reason is not None and reason


@pytest.mark.parametrize("text", ALLOWED)
def test_public_addresses_are_allowed(text: str) -> None:
    assert AddressPolicy().is_allowed(ipaddress.ip_address(text))


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("10.1", "10.0.0.1"),
        ("0", "0.0.0.0"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_every_spelling_of_an_address_is_parsed(host: str, expected: str) -> None:
    assert parse_ip_literal(host) == ipaddress.ip_address(expected)


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "1.2.3.4.5",
        "256.1.1.1",
        "0x100000000",
        "1.2.3.0x100",
        "08.1",
        "localhost",
        "127.0.0.1.nip.io",
        "",
        "1..1",
    ],
)
def test_names_are_not_addresses(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_allow_list_overrides_refusal_only_inside_its_networks() -> None:
    policy = AddressPolicy.from_strings(["127.0.0.1/32", "10.20.0.0/16"])
    assert policy.is_allowed(ipaddress.ip_address("127.0.0.1"))
    assert policy.is_allowed(ipaddress.ip_address("10.20.3.4"))
    assert not policy.is_allowed(ipaddress.ip_address("127.0.0.2"))
    assert not policy.is_allowed(ipaddress.ip_address("10.21.0.1"))
    assert not policy.is_allowed(ipaddress.ip_address("169.254.169.254"))
    assert policy.is_allowed(ipaddress.ip_address("2002:7f00:1::1"))  # embeds 127.0.0.1


def test_metadata_refusal_says_why() -> None:
    reason = AddressPolicy().refusal(ipaddress.ip_address("::ffff:169.254.169.254"))
    assert reason is not None


def test_allowed_networks_setting_is_validated() -> None:
    settings = SsrfSettings.model_validate(
        {"yarrow_ssrf_allowed_networks": " 127.0.0.1/32, ::1/128 ,"}
    )
    assert settings.allowed_networks == ["127.0.0.1/32", "::1/128"]
    with pytest.raises(ValidationError):
        SsrfSettings.model_validate({"yarrow_ssrf_allowed_networks": "10.0.0.0/33"})
    with pytest.raises(ValidationError):
        SsrfSettings.model_validate({"yarrow_ssrf_allowed_networks": "not-a-network"})


def test_every_client_error_is_a_fetch_error_with_its_own_status() -> None:
    from yarrow.net import (
        BlockedDestination,
        FetchError,
        FetchTimeout,
        InvalidUrl,
        ResponseTooLarge,
        UnsupportedContentEncoding,
    )

    statuses = {
        BlockedDestination: 400,
        InvalidUrl: 400,
        ResponseTooLarge: 413,
        FetchTimeout: 503,
        UnsupportedContentEncoding: 503,
    }
    for cls, status in statuses.items():
        error = cls()
        assert isinstance(error, FetchError)
        assert error.status == status
