"""Starting an internal audit from the group desk: the membership agreement on file is reused, and without one the
manager is told what is missing (a photo or the member's signature), not that an empty file is no image."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.certification import services as certification
from greensmile.certification.models import Application, ApplicationStatus, PledgeKind
from greensmile.extensions import db
from tests.certification.helpers import png
from tests.conftest import login, post_form
from tests.factories import PASSWORD
from tests.rubber.helpers import make_group


def _in_english(email: str) -> None:
    db.session.scalar(sa.select(User).where(User.email == email)).locale = "en"


def test_an_internal_audit_of_an_existing_member_starts_without_a_new_photo(client, given, app):
    with given():
        world = make_group()
        first = certification.apply(world.plots[1], world.fsc, world.farmers[1], pledge_kind=PledgeKind.SIGNATURE,
                                    pledge_image=png())
        certification.withdraw(first, world.farmers[1])
        agreement, plot_code = first.pledge_image, world.plots[1].code
    login(client, "manager@example.com", PASSWORD)
    desk = f"/rubber/groups/{world.group.id}"
    response = post_form(client, f"/rubber/plots/{plot_code}/audit", {}, page=desk)
    assert response.status_code == 302 and "/inspections/" in response.headers["Location"]
    with app.app_context():
        audit = db.session.scalar(sa.select(Application).where(Application.status == ApplicationStatus.ASSIGNED))
        assert audit.pledge_image == agreement


def test_without_a_file_or_an_agreement_on_file_the_manager_is_told_what_is_needed(client, given, app):
    with given():
        world = make_group()
        _in_english("manager@example.com")
        plot_code = world.plots[0].code
    login(client, "manager@example.com", PASSWORD)
    desk = f"/rubber/groups/{world.group.id}"
    page = post_form(client, f"/rubber/plots/{plot_code}/audit", {}, page=desk,
                     follow_redirects=True).get_data(as_text=True)
    assert "sign it on the screen" in page and "photo of the signed agreement" in page
    assert "not a photo we can use" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_a_sent_internal_audit_says_the_group_manager_has_it(client, given, app):
    with given():
        world = make_group()
        _in_english("manager@example.com")
        first = certification.apply(world.plots[1], world.fsc, world.farmers[1], pledge_kind=PledgeKind.SIGNATURE,
                                    pledge_image=png())
        certification.withdraw(first, world.farmers[1])
        plot_code = world.plots[1].code
    login(client, "manager@example.com", PASSWORD)
    desk = f"/rubber/groups/{world.group.id}"
    form = post_form(client, f"/rubber/plots/{plot_code}/audit", {}, page=desk, follow_redirects=True)
    page = form.get_data(as_text=True)
    assert "The group manager has your internal audit and decides." in page
    assert "The committee has your inspection" not in page and "Summary for the committee" not in page
