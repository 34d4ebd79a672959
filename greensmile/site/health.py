"""What /healthz checks: each dependency, answered quickly, never raising."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from greensmile.error_pages import first_line
from greensmile.extensions import db

log = logging.getLogger(__name__)
# A monitor polls often and a dead Redis must not hold its worker: a refused or silent port fails within this.
REDIS_TIMEOUT_SECONDS = 0.5


def database() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means unhealthy
        log.warning("health check: database unreachable: %s", first_line(error))
        db.session.rollback()
        return "unreachable"
    return "ok"


def redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    clients = current_app.extensions.setdefault("health_redis", {})  # one per URL, kept: a ping reuses its socket
    client = clients.get(url)
    if client is None:
        import redis as redis_client

        client = clients[url] = redis_client.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    except Exception as error:  # refused, timed out, refused our password: all mean counters are not shared
        log.warning("health check: redis unreachable: %s", first_line(error))
        return "unreachable"
    return "ok"
