"""Camera addresses: every way in reads them through protocols/rtsp_url.py, so this is where
hostile ones must meet a stable refusal (`camera.url_invalid`), never a crash or a second
reading of the host."""

from __future__ import annotations

import pytest

from hearthwatch.errors import ValidationFailed
from hearthwatch.protocols.rtsp_url import (
    MAX_URL_CHARS,
    RtspUrlInvalid,
    StreamAddress,
    parse_stream_url,
    raw_userinfo,
    with_credentials,
    without_credentials,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://cam.example/live", ("rtsp", "cam.example", 554, "/live")),
        ("rtsps://cam.example/live", ("rtsps", "cam.example", 322, "/live")),
        ("RTSP://Cam.Example:8554/a?b=1", ("rtsp", "cam.example", 8554, "/a?b=1")),
        ("rtsp://192.0.2.7:65535", ("rtsp", "192.0.2.7", 65535, "")),
        ("rtsp://[FE80::1]:8554/x", ("rtsp", "fe80::1", 8554, "/x")),
        ("rtsp://cam_1.lan/x#fragment", ("rtsp", "cam_1.lan", 554, "/x")),
        ("rtsp://cam.example:/x", ("rtsp", "cam.example", 554, "/x")),
    ],
)
def test_good_addresses_read_with_their_default_ports(
    url: str, expected: tuple[str, str, int, str]
) -> None:
    address, user, password = parse_stream_url(url)
    assert (address.scheme, address.host, address.port, address.path) == expected
    assert (user, password) == (None, None)


def test_credentials_come_out_decoded_and_the_address_without_them() -> None:
    address, user, password = parse_stream_url("rtsp://ad%20min:p%40ss%3Aw@cam:8554/live")
    assert (user, password) == ("ad min", "p@ss:w")
    assert address.url == "rtsp://cam:8554/live"


@pytest.mark.parametrize(
    ("url", "host", "user"),
    [
        ("rtsp://evil.example@192.0.2.1/x", "192.0.2.1", "evil.example"),
        ("rtsp://a:p@ss@cam.example/x", "cam.example", "a"),
        ("rtsp://u:p@192.0.2.1:554@evil.example/x", "evil.example", "u"),
        ("rtsp://cam.example/x@evil.example", "cam.example", None),
        ("rtsp://cam.example?@evil.example/", "cam.example", None),
    ],
)
def test_userinfo_cannot_show_one_host_to_the_check_and_another_to_ffmpeg(
    url: str, host: str, user: str | None
) -> None:
    """The host is what follows the last `@` before the path, as FFmpeg reads it."""
    address, parsed_user, _ = parse_stream_url(url)
    assert (address.host, parsed_user) == (host, user)
    pinned = address.with_host("192.0.2.9", raw_userinfo(url))  # as media/source.py pins it
    assert parse_stream_url(pinned)[0].host == "192.0.2.9"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "rtsp://",
        "rtsp:///live",
        "rtsp://:554/live",
        "cam.example/live",
        "rtsp:/cam.example/live",
        "http://cam.example/live",
        "https://cam.example/live",
        "file:///etc/passwd",
        "rtspx://cam.example/live",
        "concat:rtsp://cam.example/live",
        "rtsp://cam.example:0/live",
        "rtsp://cam.example:65536/live",
        "rtsp://cam.example:99999999999/live",
        "rtsp://cam.example:-1/live",
        "rtsp://cam.example:+80/live",
        "rtsp://cam.example:80a/live",
        "rtsp://cam.example:٨٠/live",
        "rtsp://cam.example/\x00live",
        "rtsp://cam.example\x00.evil.example/live",
        "rtsp://cam.example/live\r\nCSeq: 9",
        "rtsp://cam.example/li\tve",
        "rtsp://cam.example/li ve",
        "rtsp://cam.example\\@evil.example/",
        "rtsp://cam.example/live\x7f",
        "rtsp://cämera.example/live",
        "rtsp://\uff11\uff12\uff17.\uff10.\uff10.\uff11/live",  # fullwidth 127.0.0.1
        "rtsp://cam%2eexample/live",
        "rtsp://[::1/live",
        "rtsp://[not-an-address]/live",
        "rtsp://a:%00@cam.example/live",
        "rtsp://a%0d%0a:b@cam.example/live",
        "rtsp://a:%ff@cam.example/live",
        "rtsp://cam.example/" + "x" * MAX_URL_CHARS,
    ],
)
def test_hostile_addresses_get_the_stable_code(url: str) -> None:
    with pytest.raises(RtspUrlInvalid) as refused:
        parse_stream_url(url)
    assert isinstance(refused.value, ValidationFailed)
    assert (refused.value.code, refused.value.status) == ("camera.url_invalid", 422)


def test_the_longest_address_is_the_stored_column_size() -> None:
    prefix = "rtsp://cam.example/"
    parse_stream_url(prefix + "x" * (MAX_URL_CHARS - len(prefix)))
    with pytest.raises(RtspUrlInvalid):
        parse_stream_url(prefix + "x" * (MAX_URL_CHARS - len(prefix) + 1))


def test_a_pinned_address_keeps_port_path_and_brackets_ipv6() -> None:
    address, _, _ = parse_stream_url("rtsp://cam.example:8554/live?ch=1")
    assert address.with_host("2001:db8::5") == "rtsp://[2001:db8::5]:8554/live?ch=1"
    assert address.with_host("192.0.2.5", "u:p%40") == "rtsp://u:p%40@192.0.2.5:8554/live?ch=1"
    assert StreamAddress("rtsps", "cam", None, "/x").url == "rtsps://cam/x"


def test_credentials_go_in_encoded_and_read_back_the_same() -> None:
    url = with_credentials("rtsp://cam:8554/x?y=1", "ad min", "p@ss:w/rd")
    assert url == "rtsp://ad%20min:p%40ss%3Aw%2Frd@cam:8554/x?y=1"
    _, user, password = parse_stream_url(url)
    assert (user, password) == ("ad min", "p@ss:w/rd")
    assert with_credentials("rtsp://cam/x", None, "secret") == "rtsp://cam/x"
    assert with_credentials("rtsp://cam/x", "", "secret") == "rtsp://cam/x"


def test_raw_userinfo_is_carried_over_as_written() -> None:
    assert raw_userinfo("rtsp://viewer:p%40ss@cam/x") == "viewer:p%40ss"
    assert raw_userinfo("rtsp://a:p@ss@cam/x") == "a:p@ss"
    assert raw_userinfo("rtsp://cam/x@y") == ""


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("failed: rtsp://u:secret@10.0.0.1:554/x", "failed: rtsp://10.0.0.1:554/x"),
        ("RTSPS://admin:secret@cam/x refused", "RTSPS://cam/x refused"),
        ("rtsp://a:se@cret@cam/x", "rtsp://cam/x"),
        ("two: rtsp://a:secret@h1/x, rtsp://b:secret@h2/y", "two: rtsp://h1/x, rtsp://h2/y"),
        ("rtsp://cam/x?token=a@b", "rtsp://cam/x?token=a@b"),
        ("no address here", "no address here"),
    ],
)
def test_texts_never_carry_a_password_on(text: str, shown: str) -> None:
    assert without_credentials(text) == shown
    assert "secret" not in without_credentials(text)
