"""Addresses: absolute public ones (for mail and QR codes) and safe redirect targets."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def public_base() -> str:
    """PUBLIC_BASE_URL, for QR codes and links sent out. Unset in development, it is the host and port this server
    answers on (`PORT=5101 make run` makes links to port 5101); production refuses to start without it."""
    configured = current_app.config["PUBLIC_BASE_URL"]
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or 5000}"


def public_url(endpoint: str, **values) -> str:
    """An absolute address under the public base address, whatever host the request came in on; the worker, which
    has no request, makes the same addresses."""
    if has_request_context():
        return public_base() + url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return public_base() + adapter.build(endpoint, values)


def safe_next(target: str | None, fallback: str = "site.home") -> str:
    """Only same-site paths, so a ?next= parameter cannot send someone to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(fallback)


def page_url(page: int) -> str:
    """This page's address with another page number, keeping the visitor's filters (and nothing else)."""
    args = {
        key: value
        for key, value in request.args.items()
        if key != "page" and key != "endpoint" and not key.startswith("_")
    }
    return url_for(request.endpoint, **(request.view_args or {}), **args, page=page)
