"""Green Smile: farm-to-consumer marketplace with PGS organic certification."""
from __future__ import annotations

import logging

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from greensmile.config import INSTANCE_DIR, ROOT, load_config
from greensmile.db import MAX_ID
from greensmile.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | type | None = None) -> Flask:
    """Build the application; `config` (a mapping or a Config class) overrides the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_mapping(load_config(config))
    app.url_map.converters["int"] = BoundedIntegerConverter
    if not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if app.config["TRUSTED_PROXIES"]:
        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    _init_extensions(app)
    _register_blueprints(app)
    _register_payables()
    _register_jobs()
    _register_erasers()

    from greensmile import caching
    from greensmile.cli import register_commands
    from greensmile.error_pages import register_error_handlers
    from greensmile.input_hygiene import init_app as refuse_odd_input

    register_error_handlers(app)
    register_commands(app)
    refuse_odd_input(app)  # control characters, page numbers, JSON depth: 400 at the door
    app.after_request(_security_headers)
    caching.init_app(app)
    return app


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every URL rule stops at the largest id the database holds: a longer number is a 404,
    not a database overflow error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _init_extensions(app: Flask) -> None:
    from greensmile import i18n, models  # noqa: F401  (models: every table on the metadata)
    from greensmile.accounts import passwords, sessions
    from greensmile.accounts.models import Role
    from greensmile.listings import services as _listings  # noqa: F401  (withdraws listings when a certificate lapses)
    from greensmile.navigation import items_for
    from greensmile.urls import page_url, public_base

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    passwords.init_app(app)
    i18n.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    login_manager.user_loader(sessions.load_user)  # the cookies name a signed-in device, revoked at sign-out

    @app.context_processor
    def inject_navigation():
        from flask_login import current_user

        # A function, so that pages which show no menu (the fatal error page) never load the account.
        return {"nav_items": lambda: items_for(current_user),
                "public_base_url": public_base()}

    app.add_template_global(page_url)
    app.add_template_global(Role, "Role")


def _register_blueprints(app: Flask) -> None:
    from greensmile.accounts.routes import bp as accounts_bp
    from greensmile.api.farms import bp as farms_api_bp
    from greensmile.api.listings import bp as listings_api_bp
    from greensmile.api.plots import bp as plots_api_bp
    from greensmile.bulk.farm_routes import bp as bulk_farm_bp
    from greensmile.bulk.routes import bp as bulk_bp
    from greensmile.certification import panel
    from greensmile.certification.charter_routes import bp as charter_bp
    from greensmile.certification.inspection_routes import bp as inspections_bp
    from greensmile.certification.routes import bp as certification_bp
    from greensmile.geo import panel as geo_panel
    from greensmile.geo.map_routes import bp as maps_bp
    from greensmile.geo.routes import bp as geo_bp
    from greensmile.impact.routes import bp as impact_bp
    from greensmile.listings.routes import bp as market_bp
    from greensmile.media.routes import bp as media_bp
    from greensmile.network.routes import bp as network_bp
    from greensmile.notifications.routes import bp as notifications_bp
    from greensmile.orders.routes import bp as orders_bp
    from greensmile.payments.routes import bp as payments_bp
    from greensmile.plots.routes import bp as plots_bp
    from greensmile.privacy.routes import bp as privacy_bp
    from greensmile.public import panel as public_panel
    from greensmile.public.routes import bp as public_bp
    from greensmile.rubber.eudr_routes import bp as eudr_bp
    from greensmile.rubber.group_routes import bp as rubber_desk_bp
    from greensmile.rubber.routes import bp as rubber_bp
    from greensmile.site.routes import bp as site_bp
    from greensmile.supporters.routes import bp as support_bp
    from greensmile.trees.routes import bp as trees_bp

    for blueprint in (site_bp, accounts_bp, network_bp, plots_bp, plots_api_bp, media_bp, certification_bp,
                      charter_bp, inspections_bp, public_bp, market_bp, orders_bp, payments_bp, listings_api_bp, bulk_bp,
                      bulk_farm_bp, rubber_bp, rubber_desk_bp, trees_bp, support_bp, impact_bp, notifications_bp, geo_bp,
                      privacy_bp, farms_api_bp, maps_bp, eudr_bp):
        app.register_blueprint(blueprint)
    panel.init_app(app)
    public_panel.init_app(app)
    geo_panel.init_app(app)


def _register_payables() -> None:
    """What each domain sells or collects, told to the payments core (which imports none of them)."""
    from greensmile.bulk import payables as invoices
    from greensmile.orders import payables as orders
    from greensmile.supporters import payables as pledges

    for domain in (orders, invoices, pledges):
        domain.register()


def _register_erasers() -> None:
    """What each domain erases of a person and keeps, and its retention rules; then the retention job (privacy
    imports none of the domains)."""
    from greensmile.bulk import erasure as shares
    from greensmile.certification import erasure as certification
    from greensmile.listings import erasure as listings
    from greensmile.network import erasure as network
    from greensmile.orders import erasure as orders
    from greensmile.plots import erasure as plots
    from greensmile.privacy import centre as privacy_centre
    from greensmile.privacy import retention
    from greensmile.public import erasure as concerns
    from greensmile.rubber import eudr_erasure as eudr
    from greensmile.supporters import erasure as supporters

    for domain in (plots, certification, listings, orders, shares, network, supporters, privacy_centre, concerns, eudr,
                   retention):
        domain.register()


def _register_jobs() -> None:
    """Each domain's kinds of job and schedules, told to the worker (jobs imports none of them)."""
    from greensmile.accounts import jobs as accounts
    from greensmile.bulk import jobs as bulk
    from greensmile.certification import jobs as certification
    from greensmile.jobs import housekeeping
    from greensmile.notifications import jobs as notifications
    from greensmile.orders import jobs as orders
    from greensmile.plots import jobs as plot_jobs
    from greensmile.public import jobs as qr_pages

    for domain in (housekeeping, accounts, notifications, certification, orders, bulk, qr_pages, plot_jobs):
        domain.register()


def _security_headers(response):
    from flask import current_app, request

    headers = response.headers
    # Only over HTTPS (directly, or as the trusted proxy says): a browser ignores it on plain http anyway.
    if request.is_secure and current_app.config["HSTS_SECONDS"]:
        headers.setdefault("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; img-src 'self' data: blob:{_tile_origin(current_app)}; style-src 'self'; script-src 'self'; "
        f"frame-ancestors 'none'; base-uri 'self'; form-action 'self'{_line_login_origin(current_app)}",
    )
    return response


def _tile_origin(app) -> str:
    """Maps load their tiles as images from the tile server."""
    from urllib.parse import urlsplit

    parts = urlsplit(app.config.get("MAP_TILE_URL") or "")
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _line_login_origin(app) -> str:
    """The LINE buttons post to us and we redirect to LINE's page: browsers hold a form's redirects to form-action
    too, so LINE's origin is allowed there when LINE Login is on."""
    if not app.config.get("LINE_LOGIN_CHANNEL_ID"):
        return ""
    from urllib.parse import urlsplit

    parts = urlsplit(app.config.get("LINE_LOGIN_AUTHORIZE_URL") or "https://access.line.me")
    return f" {parts.scheme}://{parts.netloc}"
