"""A network year for the demo: people, registrations, attendance, replies and support.

The content format has no keys for who registered, who came, or who replied to a
thread, so the demo creates them here, on top of the imported content/. Every step
looks up what it would create first (people by e-mail, one registration per person
and session, one reply per person and thread, one support per person and thread), so
running the demo again adds nothing twice. Choices are drawn from a random generator
seeded with the session's slug: the same content gives the same year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.auth.service import create_user, find_user_by_email
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG, Network
from lerend_netwerk.networks.service import ensure_membership
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin
from lerend_netwerk.recommendations.models import Endorsement, Post, Recommendation
from lerend_netwerk.themes.models import Theme


@dataclass(frozen=True)
class Person:
    name: str
    organisation: str  # organisation slug
    function: str
    proeftuinen: tuple[str, ...] = ()
    expertise: tuple[str, ...] = ()
    # The network they belong to (its slug).
    network: str = DEFAULT_NETWORK_SLUG

    @property
    def email(self) -> str:
        local = self.name.lower().replace(" ", ".")
        local = local.translate(str.maketrans("éöüç", "eouc"))
        return f"{local}@{self.organisation}.example"


PEOPLE = (
    Person(
        "An Peeters",
        "hogeschool-west",
        "Trajectbegeleider verpleegkunde",
        ("bachelor-verpleegkunde-west",),
        ("mentoren",),
    ),
    Person(
        "Jeroen Claes",
        "hogeschool-leie",
        "Projectverantwoordelijke duaal leren",
        ("bachelor-toegepaste-informatica-leie",),
        ("evaluatie-werkplekleren",),
    ),
    Person(
        "Sofie Maes",
        "cvo-kempen",
        "Trajectbegeleider",
        ("zorgkundige-duaal",),
        ("trajectbegeleiding",),
    ),
    Person(
        "Tom Janssens",
        "hogeschool-schelde",
        "Opleidingshoofd logistiek",
        ("graduaat-logistiek-schelde",),
        ("werving-en-selectie",),
    ),
    Person(
        "Lien Wouters",
        "schelderijn-logistics",
        "HR-verantwoordelijke en mentor",
        ("graduaat-logistiek-schelde", "logistiek-assistent-duaal"),
        ("werkplekken", "mentoren"),
    ),
    Person(
        "Pieter De Smet",
        "universiteit-scheldeland",
        "Projectverantwoordelijke duale master",
        ("master-industriele-wetenschappen-scheldeland",),
        ("financiering",),
    ),
    Person(
        "Els Vermeulen",
        "cvo-leiestreek",
        "Coördinator duaal leren",
        ("boekhoudkundig-medewerker-duaal", "polyvalent-verzorgende-duaal"),
        ("administratieve-vereenvoudiging",),
    ),
    Person(
        "Koen Willems",
        "hogeschool-kempen",
        "Lector elektromechanica",
        ("graduaat-elektromechanische-systemen-kempen",),
        ("werkplekken",),
    ),
    Person(
        "Nathalie Goossens",
        "vandamme-techniek",
        "Mentor op de werkvloer",
        ("graduaat-elektromechanische-systemen-kempen",),
        ("mentoren",),
    ),
    Person(
        "Hanne Jacobs",
        "hogeschool-dender",
        "Praktijkcoördinator lerarenopleiding",
        ("bachelor-lager-onderwijs-dender",),
        ("mentoren", "werkplekken"),
    ),
    Person(
        "Bart Mertens",
        "hogeschool-maasland",
        "Projectverantwoordelijke bedrijfsmanagement",
        ("bachelor-bedrijfsmanagement-maasland",),
        ("mentoren", "sensibilisering"),
    ),
    Person(
        "Sarah Dubois",
        "hogeschool-brabant",
        "Stagecoördinator chemie",
        ("bachelor-chemie-brabant",),
        ("administratieve-vereenvoudiging",),
    ),
    Person(
        "Wim Lambrechts",
        "cvo-waasland",
        "Trajectbegeleider logistiek",
        ("logistiek-assistent-duaal",),
        ("werkplekken",),
    ),
    Person(
        "Fatima El Amrani",
        "cvo-westhoek",
        "Leerkracht NT2 en trajectbegeleider",
        ("polyvalent-verzorgende-duaal",),
        ("trajectbegeleiding",),
    ),
    Person(
        "Dirk Hermans",
        "zorggroep-heidebloem",
        "Verpleegkundig mentor",
        ("bachelor-verpleegkunde-west", "zorgkundige-duaal"),
        ("mentoren",),
    ),
    Person(
        "Ine Van den Broeck",
        "hogeschool-zenne",
        "Opleidingscoördinator orthopedagogie",
        ("graduaat-orthopedagogische-begeleiding-zenne",),
        ("trajectbegeleiding",),
    ),
    Person(
        "Marc Verstraeten",
        "departement-werk-en-sociale-economie",
        "Beleidsmedewerker duaal leren",
        (),
        ("financiering", "kader"),
    ),
    Person(
        "Katrien Aerts",
        "departement-onderwijs-en-vorming",
        "Beleidsmedewerker hoger onderwijs",
        (),
        ("kader",),
    ),
    Person(
        "Joris Desmet",
        "cvo-maasland",
        "Directeur",
        ("logistiek-assistent-duaal",),
        ("financiering",),
    ),
    Person(
        "Eva Segers",
        "cvo-rivierenland",
        "Trajectbegeleider zorg",
        ("zorgkundige-duaal",),
        ("leervergoedingen",),
    ),
)

# The rest of the network: mentors, coaches and teachers of the proeftuinen, made from
# these names so that the sessions fill up as they did.
_FIRST_NAMES = (
    "Ann",
    "Bram",
    "Charlotte",
    "David",
    "Elien",
    "Frederik",
    "Griet",
    "Hans",
    "Ilse",
    "Jan",
    "Karen",
    "Lucas",
    "Marijke",
    "Nico",
    "Olga",
    "Pascal",
    "Rani",
    "Stijn",
    "Tine",
    "Yusuf",
)
_LAST_NAMES = (
    "Peeters",
    "Wuyts",
    "Van Damme",
    "Martens",
    "Smets",
    "Hendrickx",
    "Dewulf",
    "Michiels",
    "Coppens",
    "Vandenberghe",
    "De Backer",
    "Verhaegen",
    "Bogaert",
    "Cools",
    "Pauwels",
    "Van Acker",
    "Declercq",
    "Moens",
    "Baert",
    "Özdemir",
)
_PLACES = (
    ("hogeschool-west", "bachelor-verpleegkunde-west"),
    ("hogeschool-leie", "bachelor-toegepaste-informatica-leie"),
    ("cvo-kempen", "zorgkundige-duaal"),
    ("hogeschool-schelde", "graduaat-logistiek-schelde"),
    ("universiteit-scheldeland", "master-industriele-wetenschappen-scheldeland"),
    ("cvo-leiestreek", "boekhoudkundig-medewerker-duaal"),
    ("hogeschool-kempen", "graduaat-elektromechanische-systemen-kempen"),
    ("hogeschool-dender", "bachelor-lager-onderwijs-dender"),
    ("hogeschool-maasland", "bachelor-bedrijfsmanagement-maasland"),
    ("hogeschool-brabant", "bachelor-chemie-brabant"),
    ("cvo-waasland", "logistiek-assistent-duaal"),
    ("cvo-westhoek", "polyvalent-verzorgende-duaal"),
    ("hogeschool-zenne", "graduaat-orthopedagogische-begeleiding-zenne"),
    ("zorggroep-heidebloem", "zorgkundige-duaal"),
    ("vandamme-techniek", "master-industriele-wetenschappen-scheldeland"),
    ("schelderijn-logistics", "logistiek-assistent-duaal"),
)
_FUNCTIONS = (
    "Mentor op de werkvloer",
    "Trajectbegeleider",
    "Docent",
    "Werkplekcoördinator",
    "Opleidingscoördinator",
    "HR-medewerker",
)
NETWORK = tuple(
    Person(
        f"{_FIRST_NAMES[n % 20]} {_LAST_NAMES[(7 * n + 3 + n // 20) % 20]}",
        _PLACES[n % len(_PLACES)][0],
        _FUNCTIONS[n % len(_FUNCTIONS)],
        (_PLACES[n % len(_PLACES)][1],),
    )
    for n in range(40)
)

# The regional network of secondary education: its schools, companies and partners.
LEIESTREEK = "duaal-so-leiestreek"
REGIONAL = tuple(
    Person(name, organisation, function, proeftuinen, expertise, LEIESTREEK)
    for name, organisation, function, proeftuinen, expertise in (
        (
            "Hanne Desmet",
            "campus-leiedal",
            "Trajectbegeleider duaal leren",
            ("duaal-onderhoudstechnicus-leiedal",),
            ("trajectbegeleiding",),
        ),
        (
            "Wim Vandenbroucke",
            "campus-leiedal",
            "Leerkracht praktijk onderhoudstechniek",
            ("duaal-onderhoudstechnicus-leiedal",),
            ("evaluatie-werkplekleren",),
        ),
        (
            "Nele Verhaeghe",
            "campus-leiedal",
            "Zorgcoördinator",
            ("aanloopfase-zorg-leiedal",),
            ("aanloopfase",),
        ),
        (
            "Stijn Deleye",
            "metaalbouw-deleye",
            "Zaakvoerder en mentor",
            ("duaal-onderhoudstechnicus-leiedal",),
            ("mentoren",),
        ),
        ("Joke Vanhoutte", "metaalbouw-deleye", "Mentor onderhoud", (), ("mentoren",)),
        ("Karim Ouali", "campus-leiedal", "CLB-medewerker", (), ("werving-en-selectie",)),
        ("Ellen Debruyne", "campus-leiedal", "Directeur", (), ("sensibilisering",)),
    )
)

# Upcoming sessions that already have registrations, and how many.
UPCOMING = {
    "intervisie-financiering-begeleiding-2026": 17,
    "webinar-leervergoedingen-2027": 26,
    "webinar-administratieve-vereenvoudiging-2027": 14,
    "netwerkmoment-elektromechanica-geel-2027": 9,
    "mentortraining-secundair-2027": 4,
}

# Replies per thread: (author, stance, text, index of the reply it answers or None),
# in order, days after the thread was published.
REPLIES: dict[str, tuple[tuple[str, str, str, int | None], ...]] = {
    "leervergoeding-leerlingen-secundair": (
        (
            "Ellen Debruyne",
            "eens",
            "Op elke infoavond krijgen we dezelfde vraag over het kindergeld. Eén "
            "overzicht in gewone taal zou ouders veel zorgen besparen.",
            None,
        ),
        (
            "Stijn Deleye",
            "neutraal",
            "Een overzicht helpt, maar voor een klein bedrijf blijft de regeling zelf "
            "ingewikkeld. Maak ook die eenvoudiger.",
            0,
        ),
        (
            "Karim Ouali",
            "eens",
            "Vertaal het overzicht ook: veel ouders lezen liever in hun eigen taal.",
            None,
        ),
    ),
    "administratieve-vereenvoudiging-duaal-leren": (
        (
            "Els Vermeulen",
            "eens",
            "Voor de kleine boekhoudkantoren is de administratie vandaag dé reden om af "
            "te haken. Eén modelovereenkomst zou ons veel telefoontjes besparen.",
            None,
        ),
        (
            "Lien Wouters",
            "eens",
            "Vanuit een onderneming met leerlingen uit twee opleidingen: we vullen nu "
            "twee keer bijna hetzelfde formulier in. Eenmalige gegevensopvraging graag.",
            None,
        ),
        (
            "Sarah Dubois",
            "neutraal",
            "De modelovereenkomst van Chemie werkt, maar laat de bijlage echt vrij: elke "
            "sector heeft andere afspraken over veiligheid.",
            0,
        ),
    ),
    "extra-financiering-begeleiding": (
        (
            "Pieter De Smet",
            "eens",
            "Onze 42 uur per student zijn geen uitzondering. Zonder middelen zakken we "
            "na het project terug naar één werkplekbezoek per semester.",
            None,
        ),
        (
            "Fatima El Amrani",
            "eens",
            "Een verhoogd bedrag voor anderstalige cursisten maakt het verschil: taalsteun "
            "op de werkvloer kost tijd die nu niemand betaalt.",
            None,
        ),
        (
            "Marc Verstraeten",
            "neutraal",
            "Koppel het bedrag aan meetbare kwaliteitsvoorwaarden, dan is het verhaal "
            "sterker in de begrotingsbespreking.",
            0,
        ),
    ),
    "kader-duaal-leren-hoger-onderwijs": (
        (
            "Katrien Aerts",
            "neutraal",
            "Een kaderdecreet met minimale criteria is haalbaar. De vraag is wie bepaalt "
            "wanneer een traject 'duaal' mag heten.",
            None,
        ),
        (
            "Jeroen Claes",
            "oneens",
            "In informatica werken we met heel flexibele werkplekmodellen. Een strikt "
            "kader zou precies die projecten afremmen die vandaag goed lopen.",
            None,
        ),
        (
            "Hanne Jacobs",
            "eens",
            "Voor de lerarenopleiding geeft een kader net houvast tegenover de scholen: "
            "nu moeten we elke afspraak opnieuw uitleggen.",
            1,
        ),
        (
            "Bart Mertens",
            "eens",
            "Eens, zolang de verplichte kern klein blijft: leerovereenkomst, mentor en "
            "evaluatie van het werkplekleren.",
            None,
        ),
    ),
    "leervergoeding-studenten-hoger-onderwijs": (
        (
            "Tom Janssens",
            "eens",
            "Veel van onze graduaatsstudenten combineren nu een studentenjob. Vier dagen "
            "op de werkplek zonder vergoeding houden ze niet vol.",
            None,
        ),
        (
            "Koen Willems",
            "oneens",
            "Een verplichte vergoeding schrikt de kleinere technische bedrijven af. Dan "
            "verliezen we net de werkplekken die het meest leerkansen bieden.",
            None,
        ),
        (
            "Eva Segers",
            "neutraal",
            "In het volwassenenonderwijs kennen we het probleem ook. Misschien eerst een "
            "vrijwillige vergoeding met een premie voor de werkgever?",
            1,
        ),
        (
            "Nathalie Goossens",
            "oneens",
            "Als mentor zie ik dat betaalde studenten sneller als extra personeel worden "
            "ingezet. Het leren moet voorop blijven staan.",
            None,
        ),
    ),
    "mentoropleiding-standaard-en-maatwerk": (
        (
            "An Peeters",
            "eens",
            "Onze drie avonden werken omdat ze kort en praktisch zijn. Een gedeelde basis "
            "zou nieuwe proeftuinen veel voorbereiding besparen.",
            None,
        ),
        (
            "Dirk Hermans",
            "eens",
            "Als mentor in de zorg: maak het maatwerkdeel per sector, niet per instelling. "
            "Ik krijg studenten van drie scholen.",
            None,
        ),
        (
            "Bart Mertens",
            "neutraal",
            "Voor kmo's is een vaste opleiding moeilijk in te plannen; een mentorennetwerk "
            "met coach kan een deel van de basis vervangen.",
            0,
        ),
    ),
    "premie-kwalificerend-werkplekleren-uitbreiden": (
        (
            "Joris Desmet",
            "eens",
            "De premie bestaat al voor het secundair. Uitbreiden naar het hoger onderwijs "
            "is het snelste signaal aan werkgevers.",
            None,
        ),
        (
            "Katrien Aerts",
            "neutraal",
            "We bekijken wat de uitbreiding kost. Cijfers over het aantal werkplekken per "
            "proeftuin zijn daarvoor erg welkom.",
            None,
        ),
        (
            "Koen Willems",
            "eens",
            "Voor onze graduaatsopleiding kan ik de cijfers van de voorbije drie jaar bezorgen.",
            1,
        ),
    ),
    "structurele-verankering-mentorfunctie": (
        (
            "Dirk Hermans",
            "eens",
            "Mentor zijn gebeurt nu naast het gewone werk. Tijd in het uurrooster is de "
            "enige manier om het vol te houden.",
            None,
        ),
        (
            "Lien Wouters",
            "neutraal",
            "Eens met de erkenning, maar een verplichte functieomschrijving past niet in "
            "elke kleine onderneming.",
            None,
        ),
        (
            "Ine Van den Broeck",
            "eens",
            "Een erkende mentorrol zou ook helpen om nieuwe werkplekken in de welzijnssector "
            "te overtuigen.",
            0,
        ),
    ),
}
# How many people support each thread (drawn from everybody in a seeded order).
SUPPORT = {
    "leervergoeding-leerlingen-secundair": 5,
    "administratieve-vereenvoudiging-duaal-leren": 34,
    "extra-financiering-begeleiding": 29,
    "kader-duaal-leren-hoger-onderwijs": 17,
    "leervergoeding-studenten-hoger-onderwijs": 12,
    "mentoropleiding-standaard-en-maatwerk": 27,
    "premie-kwalificerend-werkplekleren-uitbreiden": 15,
    "structurele-verankering-mentorfunctie": 21,
}
DEMO_MEMBER_EMAIL = "lid@lerend-netwerk.example"


def _by_slug(model: type, slugs: set[str]) -> dict[str, object]:
    if not slugs:
        return {}
    return {obj.slug: obj for obj in db.session.scalars(select(model).where(model.slug.in_(slugs)))}


EVERYBODY = PEOPLE + NETWORK + REGIONAL


def _networks() -> dict[str, Network]:
    return {network.slug: network for network in db.session.scalars(select(Network))}


def _people() -> dict[str, User]:
    """The demo's members, created once, with organisation, proeftuinen and expertise,
    each a member of their network."""
    organisations = _by_slug(Organisation, {p.organisation for p in EVERYBODY})
    proeftuinen = _by_slug(Proeftuin, {s for p in EVERYBODY for s in p.proeftuinen})
    themes = _by_slug(Theme, {s for p in EVERYBODY for s in p.expertise})
    networks = _networks()
    users: dict[str, User] = {}
    for person in EVERYBODY:
        user = find_user_by_email(person.email)
        if user is None:
            organisation = organisations.get(person.organisation)
            user = create_user(email=person.email, name=person.name, organisation=organisation)
            user.function = person.function
            user.proeftuinen = [proeftuinen[s] for s in person.proeftuinen if s in proeftuinen]
            user.expertise = [themes[s] for s in person.expertise if s in themes]
            where = organisation.title if organisation else ""
            user.bio = f"{person.function}{' bij ' + where if where else ''}."
        if person.network in networks:
            ensure_membership(user, networks[person.network], "member")
        users[person.name] = user
    return users


def _network_of() -> dict[str, str]:
    """Person name -> the slug of their network."""
    return {person.name: person.network for person in EVERYBODY}


def _registered(meeting: Meeting) -> set[int]:
    return set(
        db.session.scalars(
            select(Registration.user_id).where(Registration.meeting_id == meeting.id)
        )
    )


def _register(
    meeting: Meeting, user: User, *, when: datetime, present: bool | None, cancelled: bool = False
) -> None:
    registration = Registration(
        meeting=meeting, user=user, status="confirmed", registered_at=when, confirmed_at=when
    )
    if cancelled:
        registration.status = "cancelled"
        registration.cancelled_at = min(when + timedelta(days=5), meeting.starts_at)
    elif present:
        registration.checked_in_at = meeting.starts_at + timedelta(minutes=4)
    db.session.add(registration)


def _registration_moment(meeting: Meeting, rng: random.Random, now: datetime) -> datetime:
    opened = meeting.published_at or meeting.starts_at - timedelta(days=42)
    latest = min(meeting.starts_at - timedelta(days=1), now)
    span = max((latest - opened).total_seconds(), 0)
    return opened + timedelta(seconds=rng.uniform(0, span))


def _sessions(users: dict[str, User], now: datetime) -> None:
    """Past sessions get their participants (most of them checked in); some upcoming
    ones their first registrations."""
    slugs = {network.id: network.slug for network in _networks().values()}
    network_of = _network_of()
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.status != "cancelled").order_by(Meeting.starts_at)
    )
    for meeting in meetings:
        rng = random.Random(meeting.slug)
        # A network's sessions are attended by its own members.
        own = slugs.get(meeting.network_id)
        people = [user for name, user in users.items() if network_of[name] == own]
        if meeting.ends_at < now:
            host = meeting.host
            hosts = [u for u in people if host is not None and host in u.proeftuinen]
            others = [u for u in people if u not in hosts]
            # Close to full: the network's sessions were well attended.
            places = min(meeting.capacity or 60, len(people))
            size = rng.randint(places * 2 // 3, places)
            chosen = (hosts + rng.sample(others, len(others)))[:size]
        elif meeting.slug in UPCOMING:
            chosen = rng.sample(people, min(UPCOMING[meeting.slug], len(people)))
        else:
            continue
        taken = _registered(meeting)
        for user in chosen:
            # Draw every time, so what one person gets does not depend on the others.
            when = _registration_moment(meeting, rng, now)
            present = rng.random() < 0.86
            cancelled = rng.random() < 0.06
            if user.id in taken:
                continue
            past = meeting.ends_at < now
            _register(meeting, user, when=when, present=present and past, cancelled=cancelled)


def _demo_member(now: datetime) -> None:
    """The demo member account takes part too: one past session, one to come."""
    member = find_user_by_email(DEMO_MEMBER_EMAIL)
    if member is None:
        return
    leie = db.session.scalar(
        select(Proeftuin).where(Proeftuin.slug == "bachelor-toegepaste-informatica-leie")
    )
    if leie is not None and not member.proeftuinen:
        member.proeftuinen = [leie]
        member.organisation = leie.organisations[0] if leie.organisations else None
        member.function = "Trajectbegeleider informatica"
    for slug, present in (
        ("kick-off-tweede-cyclus-2026", True),
        ("intervisie-financiering-begeleiding-2026", None),
    ):
        meeting = db.session.scalar(select(Meeting).where(Meeting.slug == slug))
        if meeting is None or member.id in _registered(meeting):
            continue
        when = min(meeting.starts_at - timedelta(days=9), now)
        _register(meeting, member, when=when, present=present and meeting.ends_at < now)


def _threads(users: dict[str, User], now: datetime) -> None:
    """Replies with stances on the recommendation threads, and who supports them."""
    threads = _by_slug(Recommendation, set(REPLIES) | set(SUPPORT))
    for slug, replies in REPLIES.items():
        thread = threads.get(slug)
        if thread is None:
            continue
        query = select(Post.author_id, Post).where(Post.recommendation_id == thread.id)
        replied = {author_id: post for author_id, post in db.session.execute(query)}  # noqa: C416
        start = thread.published_at or thread.created_at
        posts: list[Post | None] = []
        for n, (name, stance, text, answers) in enumerate(replies):
            author = users.get(name)
            if author is None:
                posts.append(None)
                continue
            post = replied.get(author.id)
            if post is None:
                # During office hours, a few days apart.
                offset = timedelta(days=2 + 4 * n, hours=9 + (3 * n) % 9, minutes=(17 * n) % 60)
                written = min(start + offset, now)
                parent = posts[answers] if answers is not None else None
                post = Post(
                    recommendation=thread,
                    author=author,
                    stance=stance,
                    body=text,
                    parent=parent,
                    created_at=written,
                )
                db.session.add(post)
            posts.append(post)
    for slug, count in SUPPORT.items():
        thread = threads.get(slug)
        if thread is None:
            continue
        supporters = set(
            db.session.scalars(
                select(Endorsement.user_id).where(Endorsement.recommendation_id == thread.id)
            )
        )
        rng = random.Random(slug)
        start = thread.published_at or thread.created_at
        own = [user for name, user in users.items() if _in_network(name, thread)]
        for user in rng.sample(own, min(count, len(own))):
            when = min(start + timedelta(days=rng.randint(1, 45)), now)
            if user.id not in supporters:
                db.session.add(Endorsement(recommendation=thread, user=user, created_at=when))


def _in_network(name: str, thread: Recommendation) -> bool:
    network = db.session.get(Network, thread.network_id)
    return network is not None and _network_of()[name] == network.slug


REPORT_INTRODUCTION = (
    "Dit rapport bundelt de beleidsaanbevelingen die de proeftuinen duaal leren in het\n"
    "hoger onderwijs en het volwassenenonderwijs samen uitwerkten, in intervisies,\n"
    "netwerkmomenten en op het platform. Per thema lees je wat we aanbevelen, hoeveel\n"
    "steun elke aanbeveling kreeg en de belangrijkste argumenten voor en tegen."
)
REPORT_CLOSING = (
    "De aanbevelingen die nog in bespreking zijn, werken we verder uit in de volgende\n"
    "cyclus van het lerend netwerk."
)


def _final_report(now: datetime) -> None:
    """Key arguments chosen and one frozen version, so a visitor finds the report.

    Threads where a coordinator already chose key arguments keep that choice; once a
    version is frozen, the demo freezes no other.
    """
    from lerend_netwerk.recommendations import report
    from lerend_netwerk.timeutil import to_local

    threads = report.candidate_threads()
    for thread in threads:
        posts = list(
            db.session.scalars(
                select(Post).where(Post.recommendation_id == thread.id).order_by(Post.created_at)
            )
        )
        if any(post.key_argument for post in posts):
            continue
        first_per_stance: dict[str, Post] = {}
        for post in posts:
            if not post.is_hidden:
                first_per_stance.setdefault(post.stance, post)
        for post in first_per_stance.values():
            post.key_argument = True
    coordinator = db.session.scalar(
        select(User).where(User.role == "coordinator", User.active).order_by(User.id)
    )
    if not threads or coordinator is None or report.frozen_versions():
        return
    db.session.flush()
    report.save_working_version(
        coordinator,
        introduction=REPORT_INTRODUCTION,
        closing=REPORT_CLOSING,
        chosen=[thread.id for thread in threads],
        order={},
    )
    report.freeze(coordinator, report_date=to_local(now).date(), label="Tussentijds rapport")


def seed_activity(now: datetime | None = None) -> None:
    """Add the demo's people and their activity (flushed, not committed); idempotent."""
    now = now or utcnow()
    users = _people()
    db.session.flush()
    _sessions(users, now)
    _demo_member(now)
    _threads(users, now)
    db.session.flush()
    _final_report(now)
    db.session.flush()
