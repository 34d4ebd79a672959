"""Language choice and the formatting filters: Buddhist-era dates in Thai, baht from satang."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date as babel_format_date
from babel.dates import get_month_names
from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations, to_user_timezone
from flask_login import current_user

BUDDHIST_ERA_OFFSET = 543
# Pages rendered the same for every visitor (and cached): their language comes from ?lang= only.
CACHEABLE_ENDPOINTS = {"public.plot", "public.lookup"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command-line task speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.args.get("lang") in languages:  # a link that names its language (public pages use this)
        return request.args["lang"]
    if request.endpoint in CACHEABLE_ENDPOINTS:  # the same for everyone: no account, no session
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    # Thai first, whatever the browser says: English is one tap away on the language switch.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def for_the_record(message) -> str:
    """A system-written reason kept in a history (orders, listings): in Thai, the network's language of record,
    whoever's request wrote it (a Stripe webhook arrives in English)."""
    from flask_babel import force_locale

    with force_locale("th"):
        return str(message)


def format_date_for(value: date | datetime | None, locale: str, style: str = "medium") -> str:
    """'23 พ.ย. 2569' in Thai (Buddhist era), '23 Nov 2026' in English; style 'long' spells the month, style 'month'
    names the month alone ('พฤศจิกายน 2569', 'November 2026')."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    if locale == "th":
        width = "abbreviated" if style == "medium" else "wide"
        month = get_month_names(width, locale="th")[day.month]
        if style == "month":
            return f"{month} {day.year + BUDDHIST_ERA_OFFSET}"
        return f"{day.day} {month} {day.year + BUDDHIST_ERA_OFFSET}"
    pattern = {"long": "d MMMM y", "month": "MMMM y"}.get(style, "d MMM y")
    return babel_format_date(day, pattern, locale=locale)


def format_datetime_for(value: datetime | None, locale: str, style: str = "medium") -> str:
    """A date as format_date_for, then the 24-hour time ('23 พ.ย. 2569 14:05')."""
    if value is None:
        return ""
    return f"{format_date_for(value, locale, style)} {value:%H:%M}"


def format_baht(satang: int | None, locale: str) -> str:
    """Money from integer satang: '฿1,234.50', or '฿45' for whole baht."""
    if satang is None:
        return ""
    amount = Decimal(abs(int(satang))) / 100
    pattern = "#,##0" if satang % 100 == 0 else "#,##0.00"
    text = "฿" + format_decimal(amount, pattern, locale=locale)
    return "-" + text if satang < 0 else text


def format_number_for(value, places: int, locale: str) -> str:
    """A number with grouping and a fixed count of decimals: '1,234.5'."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)  # 42.25 → 42.3
    return format_decimal(rounded, pattern, locale=locale)


def format_quantity_for(value, locale: str) -> str:
    """A quantity of produce with only the decimals it needs: '2', '2.5', '0.25'."""
    if value is None:
        return ""
    return format_decimal(Decimal(value), "#,##0.##", locale=locale)


# ---------------------------------------------------------------- in the current request's (or forced) language
def format_quantity(value) -> str:
    return format_quantity_for(value, str(get_locale()))


def format_date(value, style="medium") -> str:
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return format_date_for(value, str(get_locale()), style)


def _datetime_filter(value, style="medium"):
    return format_datetime_for(to_user_timezone(value) if value else None, str(get_locale()), style)


def format_money(satang) -> str:
    return format_baht(satang, str(get_locale()))


def _number_filter(value, places=0):
    return format_number_for(value, places, str(get_locale()))


def _translations():
    """Flask-Babel's translations for this request, kept on its own per-request state for as long as the locale is
    the same object (force_locale puts another in its place, and back): a page asks for dozens of strings, and
    Flask-Babel walks its context afresh for each."""
    state = g.get("_flask_babel")
    if state is not None:
        kept = state.__dict__.get("gs_translations")
        if kept is not None and kept[0] is state.__dict__.get("babel_locale"):
            return kept[1]
    translations = get_translations()
    state = g.get("_flask_babel")
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.gs_translations = (state.babel_locale, translations)
    return translations


def init_app(app: Flask) -> None:
    # The templates' _(), ngettext() and pgettext(), as Flask-Babel installs them, through _translations().
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.add_template_filter(_number_filter, "number")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(_datetime_filter, "datetime")
    app.add_template_filter(format_money, "baht")
    app.add_template_filter(format_quantity, "qty")

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale())}
