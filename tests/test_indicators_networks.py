"""Indicators per network and for the whole installation: the networks add up."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from test_indicators import AY_2022, NOW, frozen_clock, history  # noqa: F401  (the known history)

from conftest import login
from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators import periods, service
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG, Network, NetworkMembership
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.recommendations.models import Recommendation

# Figures that count distinct people or organisations: one person may take part in both
# networks, so the installation's is at most the sum (and at least each network's).
DISTINCT = {"unique_participants", "unique_organisations", "waitlist_demand_people"}


@pytest.fixture
def two_networks(history):  # noqa: F811
    """The known history split over two networks: every document with an odd id goes to
    the second (visit reports, contributions and registrations follow their parent)."""
    second = Network(slug="tweede-netwerk", title="Tweede netwerk", levels=[], position=1)
    db.session.add(second)
    db.session.flush()
    for model in (Meeting, Proeftuin, Practice, Recommendation):
        db.session.execute(update(model).where(model.id % 2 == 1).values(network_id=second.id))
    db.session.commit()
    default = db.session.scalar(select(Network).where(Network.slug == DEFAULT_NETWORK_SLUG))
    return default, second


def figures(history, network=None, period=AY_2022, level=None):  # noqa: F811
    report = service.build_report(period, level, history.coordinator, now=NOW, network=network)
    return report.figures.as_dict()


@pytest.mark.parametrize(
    "period,level",
    [
        (AY_2022, None),
        (AY_2022, "hoger-onderwijs"),
        (periods.calendar_year(2023), None),
        (periods.academic_year(2021), None),
    ],
)
def test_the_networks_add_up_to_the_installation(history, two_networks, period, level):  # noqa: F811
    first, second = two_networks
    whole = figures(history, None, period, level)
    one = figures(history, first, period, level)
    two = figures(history, second, period, level)
    for name, total in whole.items():
        if name in DISTINCT:
            assert max(one[name], two[name]) <= total <= one[name] + two[name], name
        else:
            assert one[name] + two[name] == total, name
    if period is AY_2022 and level is None:
        # Both networks have something of their own, so the split is a real one.
        assert one["sessions_held"] and two["sessions_held"]
        assert one["registrations_confirmed"] and two["registrations_confirmed"]
        assert (
            whole["practices_published"] == one["practices_published"] + two["practices_published"]
        )


def test_the_installation_is_what_one_network_counted_before(history):  # noqa: F811
    before = figures(history)
    default = db.session.scalar(select(Network).where(Network.slug == DEFAULT_NETWORK_SLUG))
    assert figures(history, default) == before
    second = Network(slug="leeg", title="Leeg netwerk", levels=[])
    db.session.add(second)
    db.session.commit()
    assert figures(history, second) == dict.fromkeys(before, 0)
    assert figures(history) == before


# --- the page ---------------------------------------------------------------------------


def network_coordinator(make_user, network, role="coordinator"):
    user = make_user(role="member")
    db.session.add(NetworkMembership(network_id=network.id, user_id=user.id, role=role))
    db.session.commit()
    return user


def test_a_network_coordinator_sees_only_their_network(
    client,
    history,  # noqa: F811
    two_networks,
    make_user,
    frozen_clock,  # noqa: F811
):
    _first, second = two_networks
    login(client, network_coordinator(make_user, second))
    page = client.get("/indicatoren?academiejaar=2022-2023")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<option selected value="tweede-netwerk">Tweede netwerk</option>' in text
    assert DEFAULT_NETWORK_SLUG not in text and "Alle netwerken samen" not in text
    assert "<dt>Netwerk</dt><dd>Tweede netwerk</dd>" in text
    other = client.get(f"/indicatoren?academiejaar=2022-2023&netwerk={DEFAULT_NETWORK_SLUG}")
    assert other.status_code == 400
    assert "Kies een netwerk uit de lijst." in other.get_data(as_text=True)
    everything = client.get("/indicatoren?academiejaar=2022-2023&netwerk=")
    assert everything.status_code == 400
    csv = client.get("/indicatoren/kerncijfers.csv?academiejaar=2022-2023")
    assert csv.status_code == 200
    assert (
        "indicatoren-kerncijfers-2022-2023-tweede-netwerk.csv" in csv.headers["Content-Disposition"]
    )
    held = figures(history, second)["sessions_held"]
    rows = csv.get_data(as_text=True).splitlines()
    assert any(row.startswith("Sessies doorgegaan;") and f";{held};" in row for row in rows), rows


def test_an_admin_sees_the_installation_and_every_network(
    client,
    history,  # noqa: F811
    two_networks,
    make_user,
    frozen_clock,  # noqa: F811
):
    login(client, make_user(role="admin"))
    text = client.get("/indicatoren?academiejaar=2022-2023").get_data(as_text=True)
    assert '<option selected value="">Alle netwerken samen</option>' in text
    assert f'value="{DEFAULT_NETWORK_SLUG}"' in text and 'value="tweede-netwerk"' in text
    assert "<dt>Netwerk</dt><dd>Alle netwerken samen</dd>" in text
    one = client.get("/indicatoren?academiejaar=2022-2023&netwerk=tweede-netwerk")
    assert one.status_code == 200
    assert "<dt>Netwerk</dt><dd>Tweede netwerk</dd>" in one.get_data(as_text=True)


def test_a_member_of_a_network_sees_no_indicators(client, history, two_networks, make_user):  # noqa: F811
    _first, second = two_networks
    login(client, network_coordinator(make_user, second, role="member"))
    assert client.get("/indicatoren").status_code == 403
    assert client.get("/indicatoren/kerncijfers.csv").status_code == 403
