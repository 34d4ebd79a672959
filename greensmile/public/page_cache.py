"""The rendered QR page kept in Redis under its plot's version: one round trip reads the version and the page (and
counts the scan); a change moves the version on when it commits (public/freshness.py), so the next view renders
again. A version only moves forward, and a kept page lives at most a minute, so even a version bump lost with Redis
down shows within the minute.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app

from greensmile.public import scans
from greensmile.public.snapshot import Found

log = logging.getLogger(__name__)
PAGE_SECONDS = 60  # a kept page's life in Redis: the bound on a lost version bump

# One round trip: the plot's version, the page kept under it, and the scan counted when the phone does not already
# hold this page (its If-None-Match names another ETag, or none).
_READ = r"""
local version = redis.call('GET', KEYS[1])
if not version then return false end
local kept = redis.call('GET', KEYS[2] .. version)
if not kept then return false end
local plot_id, etag = string.match(kept, '^(%d+)\n([^\n]*)\n')
if not string.find(ARGV[1], ',' .. etag .. ',', 1, true) then
  redis.call('HINCRBY', KEYS[3], plot_id, 1)
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
return kept
"""


@dataclass
class Kept:
    plot_id: int
    etag: str
    page: bytes


def _redis():
    return scans._redis()


def _prefix() -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', 'greensmile')}:qrpage"


def _page_key(code: str, variant: str, day: date) -> str:
    return f"{_prefix()}:page:{code}:{variant}:{day.isoformat()}:"


def _version_key(code: str) -> str:
    return f"{_prefix()}:version:{code}"


def cached_page(code: str, variant: str, day: date, held: Iterable[str] = ()) -> Kept | None:
    """The page kept for this code's current version, in one round trip that also counts the scan (unless the
    phone holds this very page: `held`, its If-None-Match ETags); None when not kept, or no Redis."""
    client = _redis()
    if client is None:
        return None
    script = current_app.extensions.get("qr_page_read")
    if script is None:  # sent by its SHA-1 from then on (EVALSHA), loaded again if Redis forgot it
        script = current_app.extensions["qr_page_read"] = client.register_script(_READ)
    try:
        kept = script(keys=[_version_key(code), _page_key(code, variant, day), scans.day_key(day)],
                      args=["," + ",".join(held) + ",", scans.KEEP_DAYS_IN_REDIS * 86400])
    except Exception as error:  # Redis down: the database answers
        log.warning("QR page cache not read: %s", error)
        return None
    if not kept:
        return None
    plot_id, etag, page = kept.split(b"\n", 2)
    return Kept(int(plot_id), etag.decode(), page)


# A version only ever moves forward: a late or lost announcement, or a view that read an older version, never sets
# it back (a page kept under an older version is then never read again).
_RAISE = """
local known = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > known then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
"""


def _raise_version(client, code: str, version: int) -> None:
    script = current_app.extensions.get("qr_page_raise")
    if script is None:
        script = current_app.extensions["qr_page_raise"] = client.register_script(_RAISE)
    script(keys=[_version_key(code)], args=[version, 86400], client=client)


def keep_page(code: str, variant: str, day: date, found: Found, page: bytes, etag: str) -> None:
    client = _redis()
    if client is None:
        return
    try:
        client.set(_page_key(code, variant, day) + str(found.version), f"{found.plot_id}\n{etag}\n".encode() + page,
                   ex=PAGE_SECONDS)
        _raise_version(client, code, found.version)
    except Exception as error:
        log.warning("QR page not kept: %s", error)


def announce(versions: dict[str, int]) -> None:
    """After a commit: each changed plot's new version, so a kept page of an older one is never read again."""
    client = _redis() if versions else None
    if client is None:
        return
    try:
        for code, version in versions.items():
            _raise_version(client, code, version)
    except Exception as error:  # the kept pages expire within the minute
        log.warning("QR page versions not announced: %s", error)
