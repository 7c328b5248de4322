"""Inflating an answer's body (``edges.inflating``), with plain bytes: gzip in every member up
to a bound, NUL padding after gzip only, the size bound across members, a body cut short or
followed by anything else refused whole."""

from __future__ import annotations

import gzip
import zlib

import pytest

from reconciler.edges.inflating import FEED, MEMBERS, BadBody, TooLarge, inflate

BODY = b'{"results": [' + b'{"id": "a"}, ' * 50 + b"{}]}"


def _members(count: int) -> bytes:
    return b"".join(gzip.compress(b"%d," % n) for n in range(count))


def test_gzip_is_inflated_in_every_member_up_to_the_bound() -> None:
    assert inflate(_members(MEMBERS), "gzip", 1 << 20) == b"".join(
        b"%d," % n for n in range(MEMBERS)
    )
    with pytest.raises(BadBody, match="could not be decoded"):
        inflate(_members(MEMBERS + 1), "gzip", 1 << 20)


def test_members_longer_than_a_feed_are_inflated_whole() -> None:
    large = bytes(range(256)) * (FEED // 64)  # several feeds, little compression
    packed = gzip.compress(large) + gzip.compress(BODY)
    assert inflate(packed, "x-gzip", len(large) + len(BODY)) == large + BODY


def test_nul_padding_is_allowed_after_gzip_only() -> None:
    assert inflate(gzip.compress(BODY) + b"\0" * 8, "gzip", 1 << 20) == BODY
    with pytest.raises(BadBody, match="could not be decoded"):
        inflate(zlib.compress(BODY) + b"\0" * 8, "deflate", 1 << 20)
    with pytest.raises(BadBody, match="could not be decoded"):
        inflate(gzip.compress(BODY) + b"\0\0x", "gzip", 1 << 20)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_the_size_bound_holds_across_members(encoding: str) -> None:
    packed = gzip.compress(BODY) * 2 if encoding == "gzip" else zlib.compress(BODY * 2)
    assert inflate(packed, encoding, 2 * len(BODY)) == BODY * 2
    with pytest.raises(TooLarge):
        inflate(packed, encoding, 2 * len(BODY) - 1)
    with pytest.raises(TooLarge):
        inflate(packed, encoding, len(BODY) // 2)  # within the first member


def test_raw_deflate_empty_bodies_and_cut_streams() -> None:
    assert inflate(zlib.compress(BODY)[2:-4], "deflate", 1 << 20) == BODY  # no zlib wrapper
    assert inflate(b"", "gzip", 0) == b""
    with pytest.raises(BadBody, match="cut short"):
        inflate(gzip.compress(BODY)[:-8], "gzip", 1 << 20)
    with pytest.raises(BadBody, match="cut short"):
        inflate(gzip.compress(BODY) + gzip.compress(BODY)[:12], "gzip", 1 << 20)
    with pytest.raises(BadBody, match="could not be decoded"):
        inflate(b"not compressed at all", "gzip", 1 << 20)
