"""Inflating an answer's body: gzip (every member) and deflate (zlib-wrapped or raw), bounded.

The API channel asks for ``gzip`` (a listing compresses tenfold on the wire) and may get
``deflate``; ``inflate`` gives the body they encode, never more than ``max_body`` bytes of
it (``TooLarge`` as soon as it would be). A body is taken whole or not at all:

- an empty body stays empty (a 204 sent with the header: there is nothing to inflate);
- a stream that does not end was cut short (``BadBody``): its length was announced as what
  came, and a part of an answer is not an answer;
- gzip may come in several members (each inflated, up to ``MEMBERS``) and be padded with NUL
  bytes after them, as gzip allows; any other bytes after the last stream, or a stream zlib
  cannot read, make the body undecodable (``BadBody``).

zlib is fed ``FEED`` bytes at a time, so what follows a member is never copied whole: a body
of many members costs time in proportion to its size.

Neighbours: ``http_pool`` (the only user, which makes these failures the wire's).
"""

from __future__ import annotations

import zlib

MEMBERS = 16  # gzip members in one answer: more is no server's
FEED = 64 << 10
_UNDECODABLE = "the response body could not be decoded"


class BadBody(Exception):
    """The body is not a whole stream of its encoding: cut short, or undecodable."""


class TooLarge(Exception):
    """The body inflates to more than the bytes allowed."""


def inflate(content: bytes, encoding: str, max_body: int) -> bytes:
    """``content``, encoded as ``encoding`` (``gzip``, ``x-gzip`` or ``deflate``), inflated."""
    if not content:
        return content
    gzip = encoding != "deflate"
    attempts = (zlib.MAX_WBITS | 16,) if gzip else (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    for wbits in attempts:
        try:
            return _inflated(content, wbits, max_body, members=MEMBERS if gzip else 1)
        except zlib.error:
            continue
    raise BadBody(_UNDECODABLE)


def _inflated(content: bytes, wbits: int, max_body: int, *, members: int) -> bytes:
    parts: list[bytes] = []
    view, size, at, count = memoryview(content), 0, 0, 0
    while at < len(content):
        if count:  # after a stream: another gzip member, NUL padding, or nothing
            if members > 1 and not content[at] and content.count(0, at) == len(content) - at:
                break  # (a member starts with 0x1f: only padding starts with a NUL)
            if count == members:
                raise BadBody(_UNDECODABLE)
        count += 1
        inflater = zlib.decompressobj(wbits)
        while not inflater.eof:
            if at >= len(content):
                raise BadBody("the response body was cut short")
            piece = view[at : at + FEED]
            part = inflater.decompress(piece, max_body + 1 - size)
            size += len(part)
            if size > max_body:
                raise TooLarge
            parts.append(part)
            at += len(piece) - len(inflater.unused_data)
    return parts[0] if len(parts) == 1 else b"".join(parts)
