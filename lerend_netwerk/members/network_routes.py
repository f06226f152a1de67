"""Admins create networks (/beheer/netwerken); a network's coordinators manage its
members (/beheer/netwerken/<slug>/leden). The rules are networks.service's; inviting new
addresses is the account administration's (members.service)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from lerend_netwerk.access import admin_required, coordinator_required
from lerend_netwerk.auth.models import User
from lerend_netwerk.core.errors import get_or_not_found
from lerend_netwerk.extensions import db
from lerend_netwerk.members import service as accounts
from lerend_netwerk.members.network_forms import AddMemberForm, NetworkForm, RemoveForm, RoleForm
from lerend_netwerk.networks import service

bp = Blueprint("networks", __name__, template_folder="templates")


@bp.route("/beheer/netwerken", methods=["GET", "POST"])
@admin_required
def admin():
    """Admins: every network, and a new one with its first coordinator."""
    form = NetworkForm()
    status = 200
    if form.is_submitted():
        status = 400
    if form.validate_on_submit():
        data = service.NetworkInput(
            title=form.title.data or "",
            slug=form.slug.data or "",
            region=form.region.data or "",
            levels=list(form.levels.data or []),
            summary=form.summary.data or "",
        )
        try:
            network, coordinator = accounts.create_network_with_coordinator(
                current_user,
                data,
                email=form.coordinator_email.data or "",
                name=form.coordinator_name.data or "",
            )
        except service.NetworkError as error:
            db.session.rollback()
            target = {"email": "coordinator_email"}.get(error.field or "", error.field)
            if target and target in form:
                form[target].errors = [*form[target].errors, str(error)]
            else:
                flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                f"Het netwerk “{network.title}” is aangemaakt met {coordinator.name} als "
                "coördinator.",
                "success",
            )
            return redirect(url_for("networks.members", slug=network.slug))
    return render_template(
        "networks/admin.html", form=form, networks=service.all_networks()
    ), status


@bp.route("/beheer/netwerken/<slug>/leden", methods=["GET", "POST"])
@coordinator_required
def members(slug: str):
    """A network's coordinators: its members and their roles; add or invite someone."""
    network = service.network_for_coordinator(slug, current_user)
    form = AddMemberForm()
    status = 200
    if form.is_submitted():
        status = 400
    if form.validate_on_submit():
        try:
            user, invited = accounts.add_or_invite(
                current_user, network, form.email.data or "", form.name.data or "", form.role.data
            )
        except service.NetworkError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            if invited:
                flash(f"{user.email} is uitgenodigd voor {network.title}.", "success")
            else:
                flash(f"{user.name} is lid van {network.title}.", "success")
            return redirect(url_for("networks.members", slug=network.slug))
    return render_template(
        "networks/members.html",
        network=network,
        memberships=accounts.members_of(network),
        form=form,
        role_form=RoleForm(formdata=None),
        remove_form=RemoveForm(formdata=None),
    ), status


def _member_step(slug: str, user_id: int, step, message: str):
    network = service.network_for_coordinator(slug, current_user)
    user = get_or_not_found(User, user_id)
    try:
        step(network, user)
    except service.NetworkError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message.format(name=user.name, network=network.title), "success")
    return redirect(url_for("networks.members", slug=network.slug))


@bp.post("/beheer/netwerken/<slug>/leden/<int:user_id>/rol")
@coordinator_required
def set_role(slug: str, user_id: int):
    """A network's coordinators: someone becomes member or coordinator there."""
    form = RoleForm()
    if not form.validate_on_submit():
        network = service.network_for_coordinator(slug, current_user)
        flash("Kies lid of coördinator.", "error")
        return redirect(url_for("networks.members", slug=network.slug))
    return _member_step(
        slug,
        user_id,
        lambda network, user: service.set_role(current_user, network, user, form.role.data),
        "De rol van {name} in {network} is aangepast.",
    )


@bp.post("/beheer/netwerken/<slug>/leden/<int:user_id>/verwijderen")
@coordinator_required
def remove_member(slug: str, user_id: int):
    """A network's coordinators: someone leaves the network (the account stays)."""
    if not RemoveForm().validate_on_submit():
        service.network_for_coordinator(slug, current_user)
        flash("De vraag was verlopen; probeer opnieuw.", "error")
        return redirect(url_for("networks.members", slug=slug))
    return _member_step(
        slug,
        user_id,
        lambda network, user: service.remove_member(current_user, network, user),
        "{name} is geen lid meer van {network}.",
    )
