"""Demo certification for `seed-demo`: the default charter, and plots at every step of the cycle."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageDraw

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role
from greensmile.certification import charter, overview, services
from greensmile.certification.models import Answer, Outcome, PledgeKind
from greensmile.demo import DEMO_DOMAIN, demo_user
from greensmile.network.services import memberships_of
from greensmile.plots.demo import demo_code
from greensmile.plots.services import get_by_code


def demo_signature() -> bytes:
    """A drawn squiggle standing in for a demo farmer's signature."""
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(20, 70), (60, 30), (100, 75), (150, 25), (200, 70), (270, 40)], fill="navy", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_charter() -> None:
    charter.ensure_pgs_standard()
    charter.ensure_fsc_standard()  # with its demo checklist, marked as a default the group replaces


def _uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://greensmile.example/demo/{name}"))


def seed_certification() -> None:
    """SK001 certified, SK004 in conversion, SK002 assigned to the demo inspector, SK005 applied."""
    standard = charter.ensure_pgs_standard()
    coordinator, committee = demo_user("coordinator"), demo_user("committee")
    inspector = demo_user("inspector")
    if None in (coordinator, committee, inspector):
        return
    if not overview.applications_of_plot(get_by_code(demo_code(1))):  # not seeded yet
        _decided(standard, demo_code(1), inspector, coordinator, committee, Outcome.CERTIFY)
        _decided(standard, demo_code(4), None, coordinator, committee, Outcome.IN_CONVERSION)
        _assigned(standard, demo_code(2), inspector, coordinator)
        _apply(standard, demo_code(5))


def _apply(standard, code: str):
    plot = get_by_code(code)
    return services.apply(plot, standard, plot.owner, pledge_kind=PledgeKind.SIGNATURE, pledge_image=demo_signature())


def _assigned(standard, code: str, inspector, coordinator) -> None:
    services.assign(_apply(standard, code), inspector, services.today() + timedelta(days=3), coordinator)


def certify_through_the_cycle(plot, outcome: Outcome = Outcome.CERTIFY) -> None:
    """Apply, inspect (another group's inspector) and decide on a plot with the demo committee: the decision records
    the crops it covers, as a real one does. For demos and browser journeys that need a freshly certified plot."""
    _decided(charter.ensure_pgs_standard(), plot.code, None, demo_user("coordinator"), demo_user("committee"), outcome,
             run=uuid.uuid4().hex)


def _decided(standard, code: str, inspector, coordinator, committee, outcome: Outcome, run: str = "") -> None:
    application = _apply(standard, code)
    # The demo inspector's own group may not inspect its plots; another inspector does.
    if inspector is None or application.plot.group_id in {m.organisation_id for m in memberships_of(inspector)}:
        inspector = _second_inspector(coordinator)
    assignment = services.assign(application, inspector, services.today() - timedelta(days=10), coordinator)
    visited = datetime.now(timezone.utc) - timedelta(days=10)
    services.submit_inspection(services.InspectionSubmission(
        client_uuid=_uuid(code + run), assignment_id=assignment.id, visited_at=visited, recommendation=outcome,
        answers={item.id: (Answer.COMPLIANT, "") for item in application.version.items},
        summary="แปลงเป็นไปตามข้อกำหนด บันทึกการใช้ปัจจัยการผลิตครบถ้วน",
    ), inspector)
    services.decide(application, committee, outcome, "ผ่านการตรวจแปลงและการพิจารณาของคณะกรรมการ",
                    valid_from=services.today() - timedelta(days=7))


def _second_inspector(coordinator):
    email = f"inspector2@{DEMO_DOMAIN}"
    user = accounts.get_user_by_email(email)
    if user is None:
        user = accounts.create_user(email=email, display_name="สุนทร ตรวจดี", password=None,
                                    roles=(Role.INSPECTOR,), granted_by=coordinator)
    return user
