"""A person's notifications and choices; the coordinators' outbox (dead letters, the LINE quota); LINE's webhook."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.permissions import coordinator_required
from greensmile.extensions import csrf, db
from greensmile.forms import ActionForm
from greensmile.jobs import services as jobs
from greensmile.jobs.models import Job, JobStatus
from greensmile.notifications import kinds, line, services, webhook
from greensmile.notifications.forms import choices_form, chosen
from greensmile.notifications.models import Notification
from greensmile.responses import done, flash_form_errors

bp = Blueprint("notifications", __name__)


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/notifications", "mine", mine)
    bp.add_url_rule("/notifications/choices", "choices", choices, methods=["GET", "POST"])
    bp.add_url_rule("/outbox", "outbox", outbox)
    bp.add_url_rule("/outbox/jobs/<int:job_id>/send-again", "send_again", send_again, methods=["POST"])
    bp.add_url_rule("/line/webhook", "line_webhook", line_webhook, methods=["POST"])


@login_required
def mine():
    return render_template("notifications/mine.html", notifications=services.recent(current_user),
                           secret=kinds.SECRET)


@login_required
def choices():
    user = current_user._get_current_object()
    mine_kinds = kinds.for_user(user)
    form = choices_form(mine_kinds, services.choices(user), request.form if request.method == "POST" else None,
                        line_on=line.enabled())
    if request.method == "POST":
        if form.validate():
            services.set_choices(user, chosen(form, mine_kinds))
            return done(_("Your choices are saved."), url_for("notifications.choices"))
        flash_form_errors(form)
    return render_template("notifications/choices.html", form=form, kinds=mine_kinds,
                           line_link=user.line_link, line_on=line.enabled())


@coordinator_required
def outbox():
    counts = dict(db.session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status)).all())
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(
        Job.status == JobStatus.QUEUED, Job.attempts > 0))
    dead = jobs.dead_jobs()
    # A dead delivery says whose notice it was and what it said (its title), so a coordinator knows who missed what.
    ids = {job.id: job.payload.get("id") for job in dead if job.kind == services.DELIVER}
    notices = {n.id: n for n in db.session.scalars(sa.select(Notification).where(Notification.id.in_(
        [i for i in ids.values() if isinstance(i, int)])))} if ids else {}
    about = {job_id: notices.get(notice_id) for job_id, notice_id in ids.items()}
    return render_template("notifications/outbox.html", dead=dead, about=about, label_of=jobs.label_of,
                           counts=counts, retrying=waiting,
                           quota=services.quota(), line_on=line.enabled(), form=ActionForm(),
                           statuses=JobStatus)


@coordinator_required
def send_again(job_id: int):
    job = db.session.get(Job, job_id) or abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("notifications.outbox"))
    if job.status is not JobStatus.DEAD:
        flash(_("This job is not in the dead-letter list any more."), "info")
        return redirect(url_for("notifications.outbox"))
    jobs.send_again(current_user, job)
    return done(_("The job will be tried again."), url_for("notifications.outbox"))


@csrf.exempt  # LINE signs its requests; the signature is checked instead of a CSRF token
def line_webhook():
    secret = current_app.config.get("LINE_CHANNEL_SECRET")
    if not secret:
        abort(404)
    body = request.get_data(cache=False, as_text=True)
    try:
        taken = webhook.take(body, request.headers.get("X-Line-Signature", ""), secret)
    except webhook.BadSignature:
        db.session.rollback()
        return jsonify(error="bad signature"), 400
    except ValueError:  # a signed body that is not LINE's JSON
        db.session.rollback()
        return jsonify(error="bad body"), 400
    db.session.commit()
    return jsonify(taken=taken)


register_routes(bp)
