from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import coordinator_required
from greensmile.extensions import db
from greensmile.network import services
from greensmile.network.errors import NetworkError
from greensmile.network.forms import AddMemberForm, OrganisationForm
from greensmile.network.models import Category, Organisation, OrganisationKind, Position
from greensmile.payments import services as payments
from greensmile.payments.forms import PromptPayForm
from greensmile.places.services import all_districts
from greensmile.responses import act
from greensmile.trees.overview import committee_of

bp = Blueprint("network", __name__)

LISTS = {
    "groups": (Category.FARMER_GROUP,),
    "organisations": (Category.BUYER, Category.SUPPORTER),
}


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/groups", "groups", organisation_list, defaults={"which": "groups"})
    bp.add_url_rule("/organisations", "organisations", organisation_list, defaults={"which": "organisations"})
    bp.add_url_rule("/network/new", "create", edit_organisation, methods=["GET", "POST"])
    bp.add_url_rule("/network/<int:org_id>", "detail", detail)
    bp.add_url_rule("/network/<int:org_id>/edit", "edit", edit_organisation, methods=["GET", "POST"])
    bp.add_url_rule("/network/<int:org_id>/members", "add_member", add_member, methods=["POST"])
    bp.add_url_rule("/network/<int:org_id>/members/<int:user_id>/remove", "remove_member", remove_member,
                    methods=["POST"])
    bp.add_url_rule("/network/<int:org_id>/promptpay", "promptpay", promptpay, methods=["POST"])
    bp.add_url_rule("/my/network", "mine", mine)
    # fmt: on


def _locale() -> str:
    return str(get_locale())


@coordinator_required
def organisation_list(which: str):
    page = db.paginate(services.list_organisations(LISTS[which]), per_page=30)
    counts = services.member_counts([organisation.id for organisation in page.items])
    return render_template("network/list.html", page=page, which=which, counts=counts)


@login_required
def detail(org_id: int):
    organisation = db.get_or_404(Organisation, org_id)
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    if not (is_coordinator or services.is_member(organisation, current_user)):
        abort(403)
    return _detail_page(organisation, AddMemberForm() if is_coordinator else None)


def _detail_page(organisation: Organisation, form: AddMemberForm | None, pending=None) -> str:
    can_take_money = _speaks_for_money(organisation)
    account = payments.account_of(_owner(organisation))
    account_form = PromptPayForm(formdata=None, promptpay_id=account.id_value if account else "",
                                 account_name=account.account_name if account else "") if can_take_money else None
    return render_template("network/detail.html", organisation=organisation, form=form, can_edit=form is not None,
                           committee=committee_of(organisation), account=account, account_form=account_form,
                           pending=pending, pending_groups=services.memberships_of(pending) if pending else [],
                           pending_position=Position(form.position.data).label if pending else "")


def _owner(organisation: Organisation) -> str:
    return f"organisation:{organisation.id}"


def _speaks_for_money(organisation: Organisation) -> bool:
    """A farmer group's PromptPay ID is set by its manager (who sees the money come in) or a coordinator."""
    return organisation.category is Category.FARMER_GROUP and (
        current_user.has_role(Role.COORDINATOR) or services.is_manager(organisation, current_user))


@login_required
def promptpay(org_id: int):
    organisation = db.get_or_404(Organisation, org_id)
    if not _speaks_for_money(organisation):
        abort(403)
    form = PromptPayForm()
    return act(form, url_for("network.detail", org_id=organisation.id),
               lambda: payments.set_account(_owner(organisation), form.promptpay_id.data, form.account_name.data,
                                            current_user.id),
               _("Saved: supporters can pay the group straight by PromptPay."))


@coordinator_required
def edit_organisation(org_id: int | None = None):
    organisation = db.get_or_404(Organisation, org_id) if org_id else None
    form = OrganisationForm(obj=organisation)
    form.set_district_choices(all_districts(), _locale())
    if organisation is not None and request.method == "GET":
        form.kind.data = organisation.kind.value
        form.district_id.data = organisation.district_id or 0
    elif organisation is None and request.method == "GET" and request.args.get("kind"):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        try:
            organisation = services.save_organisation(
                organisation,
                name=form.name.data,
                name_en=form.name_en.data,
                kind=OrganisationKind(form.kind.data),
                district_id=form.district_id.data or None,
                description=form.description.data or "",
                contact_phone=form.contact_phone.data,
            )
        except NetworkError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for("network.detail", org_id=organisation.id))
    return render_template("network/edit.html", form=form, organisation=organisation)


@coordinator_required
def add_member(org_id: int):
    """By e-mail, at once. By phone number, in two steps: the page first shows whose account the number names (anyone
    may have typed it at sign-up), and the coordinator adds that person only once they have seen who it is."""
    organisation = db.get_or_404(Organisation, org_id)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            if "@" not in form.member.data and form.confirmed_id.data is None:
                pending = services.member_to_add(organisation, form.member.data)
                form.confirmed_id.data = pending.id
                return _detail_page(organisation, form, pending)
            membership = services.add_member(organisation, form.member.data, Position(form.position.data),
                                              acting=current_user, confirmed_user_id=form.confirmed_id.data)
        except NetworkError as error:
            db.session.rollback()
            form.confirmed_id.data = None
            form.member.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(name)s is now a member.", name=membership.user.display_name), "success")
            return redirect(url_for("network.detail", org_id=organisation.id))
    return _detail_page(organisation, form), 400


@coordinator_required
def remove_member(org_id: int, user_id: int):
    organisation = db.get_or_404(Organisation, org_id)
    services.remove_member(organisation, user_id)
    db.session.commit()
    flash(_("The member is removed."), "info")
    return redirect(url_for("network.detail", org_id=organisation.id))


@login_required
def mine():
    return render_template("network/mine.html", memberships=services.memberships_of(current_user))


register_routes(bp)
