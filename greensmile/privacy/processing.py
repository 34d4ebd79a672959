"""The record of processing activities (PDPA §39): each category of personal data, where it lives (table and
columns), why it is held, on which basis, who receives it and for how long. The page counts, from the database as it
is now, how many records hold each column; a test checks that every column that looks personal is in a category, so
a new one cannot be added without saying why it is held."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.extensions import db


@dataclass(frozen=True)
class Category:
    code: str
    label: object
    columns: tuple[tuple[str, str], ...]  # (table, column)
    purpose: object
    basis: object
    recipients: object
    retention: object


CONTRACT = _l("Contract (PDPA §24(3))")
CONSENT = _l("Consent (PDPA §19, §24)")
LEGAL = _l("Legal obligation (PDPA §24(6))")
INTEREST = _l("Legitimate interest (PDPA §24(5))")

CATEGORIES = (
    Category("account", _l("Account details"), (
        ("users", "display_name"), ("users", "email"), ("users", "phone"), ("users", "address")),
        _l("Running the account, reaching the person about their plots and orders"), CONTRACT,
        _l("The network's coordinators; the committee and inspectors for the plots they handle"),
        _l("While the account is used; erased on request (what the law needs is kept without the name)")),
    Category("line", _l("LINE account"), (("line_links", "line_user_id"), ("line_links", "display_name"),
                                          ("line_events", "line_user_id")),
             _l("Signing in with LINE, and notices through LINE"), CONSENT,
             _l("LINE Corporation (Japan): the notices' text"), _l("Until unlinked or erased")),
    Category("devices", _l("Devices signed in"), (("user_sessions", "ip"), ("user_sessions", "user_agent")),
             _l("Security: the person sees and signs out their devices"), INTEREST, _l("Nobody outside the network"),
             _l("90 days after signing out (removed by the worker each night)")),
    Category("plots", _l("Plot positions and boundaries"), (
        ("plots", "village"), ("plots", "latitude"), ("plots", "longitude"), ("plot_boundaries", "ring"),
        ("inspections", "latitude"), ("inspections", "longitude"), ("trees", "latitude"), ("trees", "longitude"),
        ("eudr_checks", "latitude"), ("eudr_checks", "longitude")),
        _l("Certification, inspections (where the inspector's phone was), the tree register, EUDR checks, the map"),
        CONTRACT,
        _l("Coordinators, inspectors, the committee; rubber buyers of the plot's lots (EUDR); the public sees a "
           "position rounded to about a kilometre, with consent"),
        _l("As the PGS history: 10 years after an erasure")),
    Category("pledges", _l("Pledges and signatures"), (
        ("applications", "pledge_image"), ("applications", "witness_name")),
        _l("The farmer's pledge to follow the charter"), CONTRACT, _l("Coordinators and the committee"),
        _l("As the PGS history: 10 years after an erasure")),
    Category("eudr", _l("Land documents and EUDR declarations"), (
        ("eudr_land_documents", "number"), ("eudr_land_documents", "image"), ("eudr_declarations", "image"),
        ("eudr_declarations", "witness_name"), ("eudr_evidence", "image")),
        _l("Due diligence for rubber sold into the EU"), LEGAL,
        _l("Coordinators and the lot's exporter; the EU's information system (the geolocation only)"),
        _l("Five years (Regulation (EU) 2023/1115, Art. 12); photos deleted when the hold ends")),
    Category("photos", _l("Photos of plots with people"), (("plot_photos", "stored_name"),),
             _l("Showing the farm on its public page"), CONSENT, _l("The public, only with the farmer's consent"),
             _l("Until removed; erased with the account")),
    Category("orders", _l("Orders, addresses and payments"), (
        ("orders", "delivery_address"), ("orders", "note"), ("payments", "payee_id_value"),
        ("payments", "payee_name"), ("promptpay_accounts", "id_value"), ("promptpay_accounts", "account_name"),
        ("payment_slips", "image_key")),
        _l("Buying and selling, paying the seller"), CONTRACT,
        _l("The seller; Stripe (United States) for card and PromptPay payments through Stripe"),
        _l("Delivery addresses: 90 days after the order ends; orders and payments: five years (accounting law)")),
    Category("notifications", _l("Messages sent"), (("notifications", "title"), ("notifications", "body")),
             _l("Telling people about their orders, inspections and certificates"), CONTRACT,
             _l("LINE (Japan) with consent, or the mail server"), _l("One year (removed by the retention run)")),
    Category("consents", _l("Consents and acknowledgements"), (
        ("consents", "purpose"), ("privacy_acknowledgements", "notice_id")),
        _l("Proof of what each person agreed to, and when"), LEGAL, _l("Nobody outside the network"),
        _l("As long as the account, and after an erasure as the last answer")),
    Category("access_log", _l("Access log"), (("privacy_access_log", "detail"),),
             _l("Showing each person who saw their personal data"), LEGAL, _l("The person themselves"),
             _l("Two years (removed by the retention run)")),
    Category("organisations", _l("Contacts of organisations"), (
        ("buyer_profiles", "contact_name"), ("buyer_profiles", "delivery_address"), ("organisations", "contact_phone")),
        _l("Delivering to kitchens, reaching a group or a supporter"), CONTRACT,
        _l("Coordinators and the farms that deliver"),
        _l("While the organisation works with the network")),
    Category("concerns", _l("Concerns from the public"), (("concerns", "contact"),),
             _l("Following up a concern about a plot"), INTEREST, _l("Coordinators"),
             _l("One year after it is handled (removed by the retention run)")),
)


# Columns whose names look personal but hold nothing about a person, and why.
NOT_PERSONAL = {
    ("pickup_points", "address"): "a market's or a truck stop's address",
    ("payments", "qr_image_url"): "the address of Stripe's QR image for a payment",
    ("users", "email_confirmed_at"): "a time",
}


def classified() -> set[tuple[str, str]]:
    return {column for category in CATEGORIES for column in category.columns}


@dataclass
class Held:
    category: Category
    counts: dict[str, int]  # "table.column": rows holding a value now


def _holding(column: sa.Column):
    if isinstance(column.type, (sa.String, sa.Text)) and not isinstance(column.type, sa.Enum):
        return sa.and_(column.is_not(None), column != "")
    return column.is_not(None)


def held() -> list[Held]:
    """Each category with, per column, how many rows hold a value today: one COUNT per table."""
    tables = db.metadata.tables
    by_table: dict[str, list[str]] = {}
    for table, column in classified():
        by_table.setdefault(table, []).append(column)
    counted: dict[str, int] = {}
    for name, columns in by_table.items():
        table = tables[name]
        row = db.session.execute(sa.select(*(
            sa.func.count().filter(_holding(table.c[column])).label(column) for column in sorted(columns)))).one()
        counted.update({f"{name}.{column}": value for column, value in row._mapping.items()})
    return [Held(category, {f"{t}.{c}": counted[f"{t}.{c}"] for t, c in category.columns}) for category in CATEGORIES]
