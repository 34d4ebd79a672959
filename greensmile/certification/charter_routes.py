"""The charters, in the open: anyone reads them; coordinators draft, edit and publish new versions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import coordinator_required
from greensmile.certification import charter
from greensmile.certification.forms import ItemForm, SectionForm
from greensmile.certification.models import ChecklistItem, Standard, StandardVersion, VersionStatus
from greensmile.errors import DomainError
from greensmile.extensions import db

bp = Blueprint("charter", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/standards", "standards", standards)
    bp.add_url_rule("/standards/<code>/v<int:number>", "version", version_page)
    bp.add_url_rule("/standards/<code>/drafts", "new_draft", new_draft, methods=["POST"])
    bp.add_url_rule("/standards/<code>/v<int:number>/sections", "add_section", add_section, methods=["POST"])
    bp.add_url_rule("/standards/<code>/v<int:number>/items", "add_item", edit_item, methods=["POST"])
    bp.add_url_rule("/standards/<code>/v<int:number>/items/<int:item_id>", "edit_item", edit_item,
                    methods=["GET", "POST"])
    bp.add_url_rule("/standards/<code>/v<int:number>/items/<int:item_id>/delete", "delete_item", delete_item,
                    methods=["POST"])
    bp.add_url_rule("/standards/<code>/v<int:number>/publish", "publish", publish, methods=["POST"])
    # fmt: on


def _version(code: str, number: int) -> StandardVersion:
    version = db.session.scalar(
        db.select(StandardVersion).join(Standard).where(Standard.code == code, StandardVersion.number == number)
    )
    if version is None:
        abort(404)
    return version


def _item_form(version: StandardVersion, item: ChecklistItem | None = None) -> ItemForm:
    form = ItemForm(obj=item)
    locale = str(get_locale())
    form.section_id.choices = [SelectChoice(str(s.id), s.title(locale)) for s in version.sections]
    return form


def _editing(version: StandardVersion) -> bool:
    return version.status is VersionStatus.DRAFT and current_user.is_authenticated and current_user.has_role(
        Role.COORDINATOR)


def standards():
    return render_template("charter/standards.html", standards=charter.all_standards(), in_force=charter.in_force)


def version_page(code: str, number: int):
    version = _version(code, number)
    if version.status is VersionStatus.DRAFT and not (
        current_user.is_authenticated and current_user.has_role(Role.COORDINATOR)
    ):
        abort(404)  # drafts are work in progress, not yet the network's word
    editing = _editing(version)
    return render_template(
        "charter/version.html", version=version, in_force=charter.in_force(version.standard), editing=editing,
        section_form=SectionForm() if editing else None, item_form=_item_form(version) if editing else None,
    )


@coordinator_required
def new_draft(code: str):
    standard = charter.get_standard(code)
    if standard is None:
        abort(404)
    draft = charter.draft_new_version(standard, current_user)
    db.session.commit()
    return redirect(url_for("charter.version", code=code, number=draft.number))


@coordinator_required
def add_section(code: str, number: int):
    version = _version(code, number)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            charter.add_section(version, form.title_th.data, form.title_en.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
    else:
        flash(_("Please fill in this field."), "error")
    return redirect(url_for("charter.version", code=code, number=number))


@coordinator_required
def edit_item(code: str, number: int, item_id: int | None = None):
    version = _version(code, number)
    item = db.get_or_404(ChecklistItem, item_id) if item_id else None
    if item is not None and item.section.version_id != version.id:
        abort(404)
    form = _item_form(version, item)
    if form.validate_on_submit():
        try:
            charter.save_item(version, item, section_id=form.section_id.data, ref=form.ref.data,
                              text_th=form.text_th.data, text_en=form.text_en.data or "",
                              critical=form.critical.data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The item is saved."), "success")
            return redirect(url_for("charter.version", code=code, number=number))
    return render_template("charter/item.html", version=version, item=item, form=form)


@coordinator_required
def delete_item(code: str, number: int, item_id: int):
    version = _version(code, number)
    item = db.get_or_404(ChecklistItem, item_id)
    if item.section.version_id != version.id:
        abort(404)
    try:
        charter.delete_item(version, item)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    return redirect(url_for("charter.version", code=code, number=number))


@coordinator_required
def publish(code: str, number: int):
    version = _version(code, number)
    try:
        charter.publish(version, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Version %(number)s is published and now in force.", number=number), "success")
    return redirect(url_for("charter.version", code=code, number=number))


register_routes(bp)
