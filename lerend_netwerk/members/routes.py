"""The member directory (/leden) and account administration (/beheer)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lerend_netwerk.access import admin_required, coordinator_required, member_required
from lerend_netwerk.auth.models import User
from lerend_netwerk.auth.service import AccountError
from lerend_netwerk.core.audit import audit_events
from lerend_netwerk.core.edge import bounded_int
from lerend_netwerk.core.errors import NotFoundError
from lerend_netwerk.extensions import db
from lerend_netwerk.members import service
from lerend_netwerk.members.forms import AccountForm, InvitationForm
from lerend_netwerk.networks.service import coordinated, network_choices, network_for_new_content
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS
from lerend_netwerk.visibility import can_see_member

bp = Blueprint("members", __name__, template_folder="templates")


def _page() -> int:
    return request.args.get("page", 1, type=bounded_int) or 1


def _filters(**args: str) -> dict[str, str]:
    """A list's filters from the query string: the search text `q` (trimmed) and the
    others by name (name="argument"), "" when absent."""
    return {"q": request.args.get("q", "").strip()} | {
        name: request.args.get(arg, "") for name, arg in args.items()
    }


def _paginated(query, per_page: int):
    """The page of `query` the `page` argument asks (an empty one past the end)."""
    return db.paginate(query, page=_page(), per_page=per_page, error_out=False)


def _fill_choices(form, choices) -> None:
    form.organisation.choices = [(0, "— geen —")] + [
        (o.id, o.title) for o in choices["organisations"]
    ]
    form.proeftuinen.choices = [(p.id, p.title) for p in choices["proeftuinen"]]


def _chosen(choices, form):
    organisation = next(
        (o for o in choices["organisations"] if o.id == form.organisation.data), None
    )
    wanted = set(form.proeftuinen.data or [])
    return organisation, [p for p in choices["proeftuinen"] if p.id in wanted]


@bp.get("/leden")
@member_required
def directory():
    """Find other members by name, theme, level and organisation."""
    from lerend_netwerk.proeftuinen.service import all_themes, list_organisations

    filters = _filters(theme="thema", level="niveau", organisation="organisatie")
    page = _paginated(service.directory_query(**filters), per_page=24)
    return render_template(
        "members/directory.html",
        page=page,
        filters=filters,
        themes=all_themes(),
        levels=LEVEL_LABELS,
        organisations=list_organisations(),
    )


@bp.get("/leden/<int:user_id>")
@member_required
def member(user_id: int):
    """One member's profile."""
    user = db.get_or_404(User, user_id)
    if not can_see_member(current_user, user):
        raise NotFoundError("Dit lid is niet (meer) zichtbaar.")
    return render_template(
        "members/member.html",
        member=user,
        may_manage=service.may_manage(current_user, user),
    )


@bp.get("/beheer/accounts")
@coordinator_required
def accounts():
    """All accounts, searchable; the entry to invite and edit."""
    filters = _filters(role="rol", status="status")
    page = _paginated(service.accounts_query(current_user, **filters), per_page=50)
    return render_template(
        "members/accounts.html",
        page=page,
        filters=filters,
        my_networks=coordinated(current_user),
    )


@bp.route("/beheer/accounts/<int:user_id>", methods=["GET", "POST"])
@coordinator_required
def edit_account(user_id: int):
    """Edit role, organisation, proeftuin membership and activation of an account."""
    user = service.account_for_edit(user_id, current_user)
    choices = service.choices_for_forms()
    form = AccountForm(obj=user)
    _fill_choices(form, choices)
    if request.method == "GET":
        form.organisation.data = user.organisation_id or 0
        form.proeftuinen.data = [p.id for p in user.proeftuinen]
    if form.validate_on_submit():
        organisation, proeftuinen = _chosen(choices, form)
        try:
            service.update_account(
                current_user._get_current_object(),
                user,
                name=form.name.data,
                role=form.role.data,
                organisation=organisation,
                proeftuinen=proeftuinen,
                active=form.active.data,
            )
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("members/edit_account.html", form=form, account=user), 403
        db.session.commit()
        flash(f"Account van {user.name} bewaard.", "success")
        return redirect(url_for("members.accounts"))
    return render_template("members/edit_account.html", form=form, account=user)


@bp.route("/beheer/uitnodigen", methods=["GET", "POST"])
@coordinator_required
def invite():
    """Invite one or more people by e-mail."""
    choices = service.choices_for_forms()
    form = InvitationForm()
    _fill_choices(form, choices)
    if not current_user.is_admin:
        form.role.choices = [("member", "lid")]
    form.network.choices = network_choices(current_user)
    if len(form.network.choices) < 2:
        del form.network
    if form.validate_on_submit():
        organisation, proeftuinen = _chosen(choices, form)
        try:
            outcome = service.invite_many(
                current_user._get_current_object(),
                form.addresses.data,
                role=form.role.data,
                organisation=organisation,
                proeftuinen=proeftuinen,
                network_id=network_for_new_content(
                    current_user, form.network.data if "network" in form else None
                ),
            )
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("members/invite.html", form=form), 403
        db.session.commit()
        return render_template("members/invited.html", outcome=outcome)
    return render_template("members/invite.html", form=form)


@bp.get("/beheer/audit")
@admin_required
def audit():
    """The audit log: who published, cancelled, hid or changed roles."""
    action = request.args.get("actie") or None
    return render_template(
        "members/audit.html", page=audit_events(action=action, page=_page()), action=action
    )
