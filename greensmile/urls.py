"""Addresses: absolute public ones (for mail and QR codes) and safe redirect targets."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def public_url(endpoint: str, **values) -> str:
    """An absolute address under PUBLIC_BASE_URL, whatever host the request came in on."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


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
