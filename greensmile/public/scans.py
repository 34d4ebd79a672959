"""Counting scans of plot pages, per plot per day, without slowing or failing the page.

With REDIS_URL, a view is one HINCRBY on a per-day hash (shared by every worker); `flask qr collect-scans`
moves finished days into the database. Without Redis, the count goes into the database in a savepoint
of the request. Either way a failure to count is logged and forgotten: the page is what matters."""
from __future__ import annotations

import logging
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from greensmile.extensions import db
from greensmile.public.models import PlotScan

log = logging.getLogger(__name__)
KEEP_DAYS_IN_REDIS = 40


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("scan_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
        current_app.extensions["scan_redis"] = client
    return client


def day_key(day: date) -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', 'greensmile')}:scans:{day.isoformat()}"


def _add_to_database(plot_id: int, day: date, count: int) -> None:
    updated = db.session.execute(
        sa.update(PlotScan).where(PlotScan.plot_id == plot_id, PlotScan.day == day)
        .values(count=PlotScan.count + count)
    ).rowcount
    if not updated:
        db.session.add(PlotScan(plot_id=plot_id, day=day, count=count))
    db.session.flush()


def count_scan(plot_id: int, day: date) -> None:
    """Count one view of a plot's public page; never raises.

    The page has been rendered already: this commits the count on its own (the page wrote nothing
    else), so that a locked or busy database costs a lost count, never the page."""
    try:
        client = _redis()
        if client is not None:
            pipe = client.pipeline()
            pipe.hincrby(day_key(day), str(plot_id), 1)
            pipe.expire(day_key(day), KEEP_DAYS_IN_REDIS * 86400)
            pipe.execute()
            return
        _add_to_database(plot_id, day, 1)
        db.session.commit()
    except Exception as error:  # counting is a nicety: the page must not fail because of it
        log.warning("scan not counted for plot %s: %s", plot_id, error)
        try:
            db.session.rollback()
        except Exception:  # the connection itself may be gone
            log.exception("rollback after a failed scan count")


def _collect_hash(client, name: str, day: date) -> int:
    """Add one hash's counts to the database and commit; only then is the hash deleted."""
    moved = 0
    for plot_id, count in client.hgetall(name).items():
        _add_to_database(int(plot_id), day, int(count))
        moved += int(count)
    db.session.commit()
    client.delete(name)
    return moved


def collect(today: date) -> int:
    """Move the Redis counts of finished days into the database; returns how many counts moved.

    A batch job, so it commits day by day: a hash is deleted only after its counts are committed, and a
    hash left by a run that failed half-way is collected first by the next run. (A crash exactly between
    a commit and its delete would count that day twice; no count is ever lost.)"""
    client = _redis()
    if client is None:
        return 0
    moved = 0
    for back in range(1, KEEP_DAYS_IN_REDIS + 1):
        day = today - timedelta(days=back)
        key, taking = day_key(day), day_key(day) + ":collecting"
        if client.exists(taking):  # left by an earlier run that failed before deleting it
            moved += _collect_hash(client, taking, day)
        if client.renamenx(key, taking) if client.exists(key) else False:
            moved += _collect_hash(client, taking, day)
    return moved


def recent_counts(plot_id: int, today: date, days: int = 30) -> dict[date, int]:
    """Views per day over the last `days` days, from the database and any not yet collected."""
    since = today - timedelta(days=days - 1)
    counts = {
        day: count for day, count in db.session.execute(
            sa.select(PlotScan.day, PlotScan.count).where(PlotScan.plot_id == plot_id, PlotScan.day >= since)
        )
    }
    try:
        client = _redis()
        if client is not None:
            for back in range(days):
                day = today - timedelta(days=back)
                pending = client.hget(day_key(day), str(plot_id))
                if pending:
                    counts[day] = counts.get(day, 0) + int(pending)
    except Exception as error:
        log.warning("scan counts from Redis unavailable: %s", error)
    return counts
