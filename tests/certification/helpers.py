"""Building a certification cycle in tests, through the services."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from PIL import Image

from greensmile.accounts.models import Role, User
from greensmile.certification import charter, services
from greensmile.certification.models import Answer, Application, Outcome, PledgeKind, Standard
from greensmile.network.models import Organisation, OrganisationKind
from greensmile.plots.models import Plot
from tests.factories import add_member, make_organisation, make_plot, make_user


def png(size=(120, 60), colour=(20, 20, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class Cycle:
    standard: Standard
    coordinator: User
    committee: User
    inspector: User
    farmer: User
    group: Organisation
    other_group: Organisation
    plot: Plot


def make_cycle(crops: tuple[str, ...] = ("ผักบุ้ง",)) -> Cycle:
    standard = charter.ensure_pgs_standard()
    coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
    committee = make_user(Role.COMMITTEE, email="committee@example.com")
    group = make_organisation(OrganisationKind.PGS_GROUP, name="กลุ่ม ก")
    other_group = make_organisation(OrganisationKind.PGS_GROUP, name="กลุ่ม ข")
    farmer = make_user(Role.FARMER, email="farmer@example.com", phone="0811111111", address="12 หมู่ 3 ต.คอหงส์")
    inspector = make_user(Role.FARMER, Role.INSPECTOR, email="inspector@example.com", phone="0822222222")
    add_member(group, farmer, coordinator)
    add_member(other_group, inspector, coordinator)
    plot = make_plot(farmer, group, name="แปลงสมัคร", crops=list(crops))
    return Cycle(standard, coordinator, committee, inspector, farmer, group, other_group, plot)


def apply_for(cycle: Cycle, plot: Plot | None = None, farmer: User | None = None) -> Application:
    return services.apply(plot or cycle.plot, cycle.standard, farmer or cycle.farmer,
                          pledge_kind=PledgeKind.SIGNATURE, pledge_image=png())


def submission(application: Application, assignment_id: int, answer: Answer = Answer.COMPLIANT,
               recommendation: Outcome = Outcome.CERTIFY, client_uuid: str | None = None, **fields):
    return services.InspectionSubmission(
        client_uuid=client_uuid or str(uuid.uuid4()),
        assignment_id=assignment_id,
        visited_at=fields.pop("visited_at", datetime.now(timezone.utc)),
        recommendation=recommendation,
        answers={item.id: (answer, "") for item in application.version.items},
        **fields,
    )


def through_inspection(cycle: Cycle, application: Application | None = None) -> Application:
    application = application or apply_for(cycle)
    assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
    services.submit_inspection(submission(application, assignment.id), cycle.inspector)
    return application


def certified(cycle: Cycle, outcome: Outcome = Outcome.CERTIFY):
    application = through_inspection(cycle)
    conditions = "ทำแนวกันชนให้เสร็จภายใน 3 เดือน" if outcome is Outcome.CERTIFY_WITH_CONDITIONS else ""
    services.decide(application, cycle.committee, outcome, "ผ่านการตรวจทุกข้อ", conditions)
    return application.certification


def grow(plot: Plot, *names: str) -> None:
    """The farmer registers more crops on the plot (through the plot service, as the plot's page does)."""
    from greensmile.plots import services as plots
    from tests.factories import crop

    data = plots.PlotData(district_id=plot.district_id, area_m2=plot.area_m2, plot_type=plot.plot_type,
                          name=plot.name, group_id=plot.group_id,
                          crop_ids=[c.id for c in plot.crops] + [crop(name).id for name in names])
    plots.update_plot(plot.owner, plot, data)
