"""The indicators page for coordinators and admins, and its CSV exports."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from lerend_netwerk.access import member_required
from lerend_netwerk.core.downloads import attachment
from lerend_netwerk.indicators import periods, service
from lerend_netwerk.indicators.forms import PeriodForm

bp = Blueprint("indicators", __name__, template_folder="templates")


def _form() -> PeriodForm:
    today = periods.today_local()
    return PeriodForm(
        request.args,
        first_year=service.first_year(today.year),
        today=today,
        networks=service.networks_for(current_user),
        installation=service.may_count_installation(current_user),
    )


@bp.get("/indicatoren")
@member_required
def index():
    """Every indicator for the chosen period, level and network, with charts and tables
    (for the coordinators of a network; administrators also for all networks together)."""
    form = _form()
    if not form.validate():
        return render_template("indicators/index.html", form=form, report=None), 400
    report = service.build_report(form.period(), form.level(), current_user, network=form.network())
    return render_template("indicators/index.html", form=form, report=report)


@bp.get("/indicatoren/<name>.csv")
@member_required
def export(name: str):
    """One table of the indicators as Excel-safe CSV, for the same period and level."""
    form = _form()
    if name not in service.TABLE_NAMES:
        abort(404)
    if not form.validate():
        abort(400)
    filename, body = service.export_table(
        name, form.period(), form.level(), current_user, network=form.network()
    )
    return attachment(body, "text/csv", filename)
