"""Tree-bank pages: a plot's trees (one by one or as stands), a tree's measurements, value, carbon and pledge, the
offline measuring day and its sync endpoint, the collateral register (page and CSV), and the price tables."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from greensmile.accounts.models import Role, User
from greensmile.accounts.permissions import coordinator_required
from greensmile.certification.services import today
from greensmile.errors import DomainError
from greensmile.extensions import csrf, db
from greensmile.forms import EARLIEST_DAY
from greensmile.input_hygiene import read_json
from greensmile.media import storage
from greensmile.network.models import Organisation, OrganisationKind
from greensmile.plots.models import Plot, PlotType
from greensmile.plots.services import find_by_typed_code
from greensmile.privacy import services as privacy
from greensmile.privacy.models import AccessKind
from greensmile.responses import (
    act,
    act_or_render,
    done,
    flash_form_errors,
    json_refusal,
    phone_csrf_refusal,
    phone_token,
    refused,
)
from greensmile.trees import overview, services, valuation
from greensmile.trees.errors import NeedsConfirmation, NotAllowed
from greensmile.trees.forms import (
    PhotoForm,
    PledgeForm,
    PriceTableForm,
    ReleaseForm,
    SplitForm,
    StandForm,
    TakeDownForm,
    TreeForm,
)
from greensmile.trees.models import Measurement, Pledge, PriceTable, Species, Stand, Tree, TreeStatus, Valuation

bp = Blueprint("trees", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/trees", "home", home)
    bp.add_url_rule("/trees/plots/<code>", "plot", plot)
    bp.add_url_rule("/trees/plots/<code>/trees", "add_tree", add_tree, methods=["GET", "POST"])
    bp.add_url_rule("/trees/plots/<code>/stands", "add_stand", add_stand, methods=["GET", "POST"])
    bp.add_url_rule("/trees/stands/<int:stand_id>/split", "split", split, methods=["POST"])
    bp.add_url_rule("/trees/plots/<code>/measure", "measure_plot", measure_plot)
    bp.add_url_rule("/trees/groups/<int:group_id>/measure", "measure_group", measure_group)
    bp.add_url_rule("/trees/sync", "sync", csrf.exempt(sync), methods=["POST"])
    bp.add_url_rule("/trees/token", "token", token)
    bp.add_url_rule("/trees/<int:tree_id>", "tree", tree_page)
    bp.add_url_rule("/trees/<int:tree_id>/photo", "photo", photo, methods=["POST"])
    bp.add_url_rule("/trees/<int:tree_id>/photo.jpg", "photo_file", photo_file)
    bp.add_url_rule("/trees/measurements/<int:measurement_id>.jpg", "measurement_photo", measurement_photo)
    bp.add_url_rule("/trees/<int:tree_id>/pledge", "pledge", pledge, methods=["POST"])
    bp.add_url_rule("/trees/pledges/<int:pledge_id>/release", "release", release, methods=["POST"])
    bp.add_url_rule("/trees/<int:tree_id>/take-down", "take_down", take_down, methods=["POST"])
    bp.add_url_rule("/trees/farmers/<int:user_id>/register", "register", register)
    bp.add_url_rule("/trees/farmers/<int:user_id>/register.csv", "register_csv", register_csv)
    bp.add_url_rule("/trees/prices", "prices", prices, methods=["GET", "POST"])
    # fmt: on


def trees_link(plot: Plot) -> bool:
    """On a plot's page: whether to link to its trees (a tree-bank plot, or one with trees, that this person may see)."""
    if plot.plot_type is not PlotType.TREE_BANK and not overview.has_trees(plot):
        return False
    return current_user.is_authenticated and services.may_view(current_user, plot)


def group_tree_plots(group: Organisation) -> list[Plot]:
    """A tree-bank group's plots whose trees this person manages (the group's manager and committee, coordinators)."""
    if group.kind is not OrganisationKind.TREE_BANK_GROUP or not current_user.is_authenticated:
        return []
    return [p for p in overview.group_plots(group) if services.may_manage(current_user, p)]


def _allowed(plot: Plot | None, manage: bool) -> Plot:
    """The plot, if the signed-in person may see (or manage) its trees; else 404, not telling that it exists."""
    if plot is None or not (services.may_manage if manage else services.may_view)(current_user, plot):
        abort(404)
    return plot


def _plot(code: str, manage: bool = False) -> Plot:
    return _allowed(find_by_typed_code(code), manage)


def _tree(tree_id: int, manage: bool = False) -> Tree:
    found = db.get_or_404(Tree, tree_id)
    _allowed(found.plot, manage)
    return found


def _species_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(db.select(Species).order_by(Species.on_collateral_list.desc(), Species.name_th))
    return [(s.id, s.name_th + (f" ({s.scientific_name})" if s.scientific_name else "")) for s in rows]


@login_required
def home():
    """Where each person's tree-bank work starts: their plots, their groups' measuring days, the bank's farmers."""
    my_plots = overview.farm_plots_of(current_user)
    groups = [overview.committee_of(group) for group in overview.tree_bank_groups_of(current_user)]
    bank = overview.bank_of(current_user)
    search = (request.args.get("q") or "").strip()[:80]
    coordinator = current_user.has_role(Role.COORDINATOR)
    farmers = overview.farmers_with_trees(search, tree_bank_only=not coordinator) if bank or coordinator else []
    return render_template("trees/home.html", my_plots=my_plots, groups=groups,
                           bank=bank, farmers=farmers, search=search)


@login_required
def plot(code: str):
    return _plot_page(_plot(code))


def _plot_page(found: Plot, tree_form: TreeForm | None = None, stand_form: StandForm | None = None) -> str:
    """The plot's trees; a refused form is drawn again as it was posted."""
    rows = overview.rows_for(overview.trees_of_plots([found.id]))
    may_manage = services.may_manage(current_user, found)
    # The page's other forms start empty: they must not pick up the refused form's posted fields.
    tree_form = tree_form if tree_form is not None else _tree_form(formdata=None)
    stand_form = stand_form if stand_form is not None else _stand_form(formdata=None)
    return render_template(
        "trees/plot.html", plot=found, rows=rows, totals=overview.totals(rows), stands=overview.stands_of(found),
        history=valuation.yearly_totals([row.tree.id for row in rows if row.tree.status is TreeStatus.STANDING]),
        may_manage=may_manage, tree_form=tree_form, stand_form=stand_form, split_form=SplitForm(formdata=None))


def _tree_form(**kwargs) -> TreeForm:
    form = TreeForm(**kwargs)
    form.species_id.choices = _species_choices()
    return form


def _stand_form(**kwargs) -> StandForm:
    form = StandForm(**kwargs)
    form.species_id.choices = _species_choices()
    return form


@login_required
def add_tree(code: str):
    found = _plot(code, manage=True)
    form = _tree_form()

    def register_with_photo() -> Tree:
        tree = services.register_tree(current_user, found, services.TreeData(
            form.tag.data, form.species_id.data, form.planted_on.data, form.planting_year.data,
            form.latitude.data, form.longitude.data))
        if form.photo.data:
            services.set_tree_photo(current_user, tree, form.photo.data.read())
        return tree

    return act_or_render(form, lambda: _plot_page(found, tree_form=form), url_for("trees.plot", code=found.code),
                         register_with_photo, lambda tree: _("Tree %(tag)s is registered.", tag=tree.tag))


@login_required
def add_stand(code: str):
    found = _plot(code, manage=True)
    form = _stand_form()
    return act_or_render(form, lambda: _plot_page(found, stand_form=form), url_for("trees.plot", code=found.code),
                         lambda: services.register_stand(current_user, found, form.species_id.data, form.count.data,
                                                         form.planting_year.data),
                         _("The stand is registered."))


@login_required
def split(stand_id: int):
    stand = db.get_or_404(Stand, stand_id)
    if not services.may_manage(current_user, stand.plot):
        abort(404)
    form = SplitForm()
    return act(form, url_for("trees.plot", code=stand.plot.code),
               lambda: services.split_stand(current_user, stand, form.tags.data.splitlines()),
               lambda made: ngettext("%(num)s tree is tagged.", "%(num)s trees are tagged.", len(made)))


# ---------------------------------------------------------------- measuring (offline)
def _measure_page(plots: list[Plot], title: str, scope: str):
    trees = overview.trees_of_plots([p.id for p in plots], standing_only=True)
    tags: dict[str, list[str]] = {p.code: [] for p in plots}
    for tree in trees:
        tags[tree.plot.code].append(tree.tag)
    return render_template("trees/measure.html", plots=plots, tags=tags, title=title, scope=scope, today=today())


@login_required
def measure_plot(code: str):
    found = _plot(code, manage=True)
    return _measure_page([found], _("Measuring day: plot %(code)s", code=found.code), f"plot-{found.code}")


@login_required
def measure_group(group_id: int):
    group = db.get_or_404(Organisation, group_id)
    plots = [p for p in overview.group_plots(group) if services.may_manage(current_user, p)]
    if group.kind is not OrganisationKind.TREE_BANK_GROUP or not plots:
        abort(404)
    return _measure_page(plots, _("Measuring day: %(group)s", group=group.name), f"group-{group.id}")


MAX_MEASURE = 100_000  # larger than any girth (cm) or height (m) the service takes: it says which tag is wrong
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _number(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError
    number = Decimal(str(value))
    # Bounded before the service rounds it: 1e308 cm is no girth, and would overflow the rounding's precision.
    if not number.is_finite() or not -MAX_MEASURE < number < MAX_MEASURE:
        raise ValueError
    return number


def _parse_day(payload: dict) -> tuple[date, list[tuple[str, services.MeasurementData, str | None]], bool]:
    """The phone's JSON, checked for shape: anything else is answered 400, never a stack trace."""
    measured_on = date.fromisoformat(str(payload["measured_on"]))
    if measured_on < EARLIEST_DAY:  # the future is the service's to refuse, with its own message
        raise ValueError
    if not isinstance(payload["rows"], list) or not 0 < len(payload["rows"]) <= 2000:
        raise ValueError
    rows, seen = [], set()
    for row in payload["rows"]:
        client_uuid, photo = str(row["client_uuid"]), row.get("photo")
        if not UUID.match(client_uuid) or client_uuid in seen or not isinstance(photo, (str, type(None))):
            raise ValueError
        seen.add(client_uuid)
        rows.append((str(row["plot"])[:12], services.MeasurementData(
            client_uuid, str(row["tag"])[:20], _number(row["girth_cm"]), _number(row["height_m"])), photo))
    return measured_on, rows, payload.get("confirmed") is True


def sync():
    """Receive a measuring day made offline: sent twice, stored once; a much smaller girth asks to confirm (409)."""
    if not current_user.is_authenticated:
        return json_refusal(_("Sign in again; the measurements stay saved on this phone."), 401, "signed_out")
    if (refusal := phone_csrf_refusal()) is not None:
        return refusal
    try:
        measured_on, rows, confirmed = _parse_day(read_json(request.form.get("day", "")))  # bounded, no NUL
    except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation):
        return json_refusal(_("The measurements could not be read: each needs a tag, a girth and a height."))
    try:
        stored = services.record_days(current_user, measured_on, [(code, row) for code, row, _p in rows], confirmed)
        for _code, row, field in rows:
            upload = request.files.get(field) if field else None
            if upload is not None:
                services.set_measurement_photo(current_user, row.client_uuid, upload.read())
        db.session.commit()
    except NeedsConfirmation as question:
        db.session.rollback()
        return json_refusal(str(question), 409, "confirm")
    except DomainError as error:
        db.session.rollback()
        return json_refusal(str(error), 403 if isinstance(error, NotAllowed) else 400)
    except IntegrityError:
        db.session.rollback()  # the same day arrived twice at the same moment: the other request stored it
        return json_refusal(_("Sending again…"), 503, "retry")
    current_app.logger.info("measuring day %s from %s: %s new of %s", measured_on, current_user.id, stored, len(rows))
    return jsonify({"status": "stored", "stored": stored, "sent": len(rows)}), 201 if stored else 200


def token():
    return phone_token(_("Sign in again; the measurements stay saved on this phone."))


# ---------------------------------------------------------------- one tree
@login_required
def tree_page(tree_id: int):
    found = _tree(tree_id)
    (row,) = overview.rows_for([found])
    measurements = list(reversed(found.measurements))
    values = {v.measurement_id: v for v in db.session.scalars(
        db.select(Valuation).where(Valuation.tree_id == found.id).order_by(Valuation.id))}
    bank = overview.bank_of(current_user)
    pledges = [p for p in db.session.scalars(db.select(Pledge).where(Pledge.tree_id == found.id)
                                             .order_by(Pledge.id.desc())) if services.sees_loan(current_user, p)]
    pledge_form = PledgeForm()
    pledge_form.pledged_on.data = pledge_form.pledged_on.data or today()
    release_form = ReleaseForm()
    release_form.released_on.data = release_form.released_on.data or today()
    return render_template(
        "trees/tree.html", tree=found, row=row, measurements=measurements, values=values, pledges=pledges,
        loan_shown=row.pledge is not None and services.sees_loan(current_user, row.pledge),
        bank=bank, may_manage=services.may_manage(current_user, found.plot), pledge_form=pledge_form,
        release_form=release_form, take_down_form=TakeDownForm(), photo_form=PhotoForm())


@login_required
def photo(tree_id: int):
    found = _tree(tree_id, manage=True)
    form = PhotoForm()
    return act(form, url_for("trees.tree", tree_id=found.id),
               lambda: services.set_tree_photo(current_user, found, form.photo.data.read()), _("The photo is saved."))


@login_required
def photo_file(tree_id: int):
    found = _tree(tree_id)
    if not found.photo:
        abort(404)
    return storage.send_private(services.PHOTO_KIND, found.photo)


@login_required
def measurement_photo(measurement_id: int):
    measured = db.get_or_404(Measurement, measurement_id)
    if not measured.photo or not services.may_view(current_user, measured.tree.plot):
        abort(404)
    return storage.send_private(services.PHOTO_KIND, measured.photo)


@login_required
def pledge(tree_id: int):
    found = _tree(tree_id)
    bank = overview.bank_of(current_user)
    if bank is None:
        abort(403)
    form = PledgeForm()
    return act(form, url_for("trees.tree", tree_id=found.id),
               lambda: services.pledge(current_user, found, bank, form.loan_reference.data, form.pledged_on.data),
               _("The tree is pledged to %(bank)s.", bank=bank.name))


@login_required
def release(pledge_id: int):
    row = db.get_or_404(Pledge, pledge_id)
    if not services.may_view(current_user, row.tree.plot):
        abort(404)
    if not services.speaks_for_bank(current_user, row.lender):
        abort(403)
    form = ReleaseForm()
    return act(form, url_for("trees.tree", tree_id=row.tree_id),
               lambda: services.release(current_user, row, form.released_on.data), _("The pledge is released."))


@login_required
def take_down(tree_id: int):
    found = _tree(tree_id, manage=True)
    form = TakeDownForm()
    return act(form, url_for("trees.tree", tree_id=found.id),
               lambda: services.take_down(current_user, found, TreeStatus(form.status.data), form.reason.data),
               _("Recorded."))


# ---------------------------------------------------------------- the collateral register
def _register(user_id: int) -> overview.Register:
    """The farmer's register with the plots this viewer may see (all of them for the farmer), or 404."""
    farmer = db.get_or_404(User, user_id)
    plots = [p for p in overview.plots_with_trees_of(farmer) if services.may_view(current_user, p)]
    if farmer.id != current_user.id and not plots:
        abort(404)
    return overview.register(farmer, plots, shown_to=current_user)


@login_required
def register(user_id: int):
    found = _register(user_id)
    if found.farmer.phone and privacy.log_access(current_user, [found.farmer.id], AccessKind.PHONE, "tree register"):
        db.session.commit()  # the register shows the farmer's phone: the farmer sees who looked
    return render_template("trees/register.html", register=found, bank=overview.bank_of(current_user))


@login_required
def register_csv(user_id: int):
    found = _register(user_id)
    return current_app.response_class(overview.register_csv(found), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="tree-register-{found.farmer.id}-{found.on.isoformat()}.csv"',
        "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- price tables
@coordinator_required
def prices():
    form = PriceTableForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            report = valuation.load_table(current_user, form.file.data.read(), form.source.data)
        except DomainError as error:
            return refused(error, url_for("trees.prices"))
        if not report.errors:
            return done(_("Price table version %(version)s is active: %(rows)s prices, %(trees)s trees valued.",
                          version=report.table.version, rows=report.rows, trees=report.revalued),
                        url_for("trees.prices"))
        db.session.rollback()
        errors = report.errors
    elif request.method == "POST":
        flash_form_errors(form)
    tables = list(db.session.scalars(db.select(PriceTable).order_by(PriceTable.version.desc())))
    return render_template("trees/prices.html", form=form, errors=errors, tables=tables,
                           formula=valuation.FORMULA, form_factor=valuation.form_factor()), 400 if errors else 200


register_routes(bp)
bp.add_app_template_global(trees_link)
bp.add_app_template_global(group_tree_plots)
