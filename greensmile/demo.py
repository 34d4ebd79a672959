"""Demo data for `flask --app greensmile seed-demo`. Idempotent: running it again changes nothing.

Later parts of the app add their own steps to SEED_STEPS.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import sqlalchemy as sa

from greensmile.accounts import passwords
from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.network.models import Membership, Organisation, OrganisationKind, Position
from greensmile.places.models import District
from greensmile.places.services import load_districts
from greensmile.plots.demo import seed_crops, seed_plots

DEMO_DOMAIN = "demo.greensmile.example"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    roles: tuple[str, ...]


# (name, English name, kind, district code)
ORGANISATIONS = [
    ("กลุ่มเกษตรอินทรีย์ควนเนียง", "Khuan Niang Organic Farmers Group", OrganisationKind.PGS_GROUP, "9013"),
    ("กลุ่มผักอินทรีย์นาหม่อม", "Na Mom Organic Vegetable Group", OrganisationKind.PGS_GROUP, "9012"),
    ("กลุ่มสวนยางยั่งยืนรัตภูมิ", "Rattaphum Sustainable Rubber Group", OrganisationKind.FSC_GROUP, "9009"),
    ("กลุ่มธนาคารต้นไม้คลองหอยโข่ง", "Khlong Hoi Khong Tree Bank Group", OrganisationKind.TREE_BANK_GROUP, "9016"),
    ("ครัวโรงพยาบาลตัวอย่าง หาดใหญ่", "Demo Hospital Kitchen, Hat Yai", OrganisationKind.HOSPITAL_KITCHEN, "9011"),
    ("มูลนิธิตัวอย่างเพื่อเกษตรอินทรีย์", "Demo Organic Farming Foundation", OrganisationKind.FOUNDATION, "9001"),
    ("บริษัทส่งออกยางตัวอย่าง พัทลุง", "Demo Rubber Exporter, Phatthalung", OrganisationKind.RUBBER_EXPORTER, None),
    ("ธนาคารต้นไม้ตัวอย่าง", "Demo Farmers' Bank", OrganisationKind.BANK, "9011"),
]

# (local part, display name, roles, [(organisation name, position)])
PEOPLE = [
    ("consumer", "สมหญิง ใจดี", (Role.CONSUMER,), []),
    ("farmer", "เสริม ทองคำ", (Role.CONSUMER, Role.FARMER), [("กลุ่มเกษตรอินทรีย์ควนเนียง", Position.MEMBER)]),
    ("inspector", "จันทร์ แก้วมณี", (Role.CONSUMER, Role.FARMER, Role.INSPECTOR),
     [("กลุ่มผักอินทรีย์นาหม่อม", Position.MEMBER)]),
    ("committee", "อารีย์ สุขสม", (Role.CONSUMER, Role.COMMITTEE), []),
    ("coordinator", "ประเสริฐ รักษ์ดิน", (Role.CONSUMER, Role.COORDINATOR), []),
    ("buyer", "วิไล ครัวสะอาด", (Role.CONSUMER, Role.BUYER), [("ครัวโรงพยาบาลตัวอย่าง หาดใหญ่", Position.MANAGER)]),
    ("supporter", "ธนพล ใจบุญ", (Role.CONSUMER, Role.SUPPORTER),
     [("มูลนิธิตัวอย่างเพื่อเกษตรอินทรีย์", Position.MEMBER)]),
    # The FSC rubber group's manager (a farmer who runs the group in the app) and an exporter's buyer.
    ("rubber", "สมชาย ยางดี", (Role.CONSUMER, Role.FARMER), [("กลุ่มสวนยางยั่งยืนรัตภูมิ", Position.MANAGER)]),
    ("exporter", "มาลัย ส่งออก", (Role.CONSUMER, Role.BUYER), [("บริษัทส่งออกยางตัวอย่าง พัทลุง", Position.MEMBER)]),
    # The tree bank: a farmer who runs the group's measuring days, and the bank's officer.
    ("treebank", "สมหมาย รักป่า", (Role.CONSUMER, Role.FARMER), [("กลุ่มธนาคารต้นไม้คลองหอยโข่ง", Position.MANAGER)]),
    ("bank", "กมล ธนากร", (Role.CONSUMER, Role.SUPPORTER), [("ธนาคารต้นไม้ตัวอย่าง", Position.MEMBER)]),
]


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "greensmile-demo")


def seed_places() -> None:
    load_districts()


def seed_organisations() -> None:
    districts = {d.code: d for d in db.session.scalars(sa.select(District))}
    existing = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    for name, name_en, kind, district_code in ORGANISATIONS:
        if name not in existing:
            db.session.add(Organisation(name=name, name_en=name_en, kind=kind,
                                        district=districts[district_code] if district_code else None))
    db.session.flush()


def seed_people() -> list[DemoAccount]:
    password = demo_password()
    organisations = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    result = []
    for local, display_name, roles, memberships in PEOPLE:
        email = f"{local}@{DEMO_DOMAIN}"
        user = accounts.get_user_by_email(email)
        if user is None:
            user = accounts.create_user(email=email, display_name=display_name, password=password, roles=roles)
        elif not passwords.verify_password(user.password_hash, password):
            accounts.set_password(user, password)  # the printed password must always work
        for role in roles:
            accounts.grant_role(user, role, acting=None)
        for org_name, position in memberships:
            organisation = organisations[org_name]
            if db.session.get(Membership, (organisation.id, user.id)) is None:
                db.session.add(Membership(organisation=organisation, user=user, position=position))
        result.append(DemoAccount(email, password, tuple(role.value for role in roles)))
    db.session.flush()
    return result


def seed_steps() -> list:
    """Each step is idempotent; a step may return demo accounts to print. Later steps rely on earlier ones."""
    from greensmile.bulk.demo import seed_kitchens
    from greensmile.certification.demo import seed_certification, seed_charter  # it uses demo_user from here
    from greensmile.listings.demo import seed_market
    from greensmile.privacy.demo import seed_privacy
    from greensmile.rubber.demo import seed_rubber
    from greensmile.supporters.demo import seed_support
    from greensmile.trees.demo import seed_trees

    return [seed_places, seed_organisations, seed_people, seed_crops, seed_plots, seed_charter, seed_certification,
            seed_market, seed_kitchens, seed_rubber, seed_trees, seed_support, seed_privacy]


def seed_demo() -> list[DemoAccount]:
    """Run every seed step and return the demo accounts to print."""
    accounts_to_print: list[DemoAccount] = []
    for step in seed_steps():
        accounts_to_print.extend(step() or [])
    return accounts_to_print


def demo_user(local: str) -> User | None:
    return accounts.get_user_by_email(f"{local}@{DEMO_DOMAIN}")
