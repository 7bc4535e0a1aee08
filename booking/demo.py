"""The demo network: organisations, people, resources, blackouts and qualifications to try the
platform with (`flask --app wsgi seed-demo`).

Real organisations appear only with what the domain note (shared/domain/network.md) sources about
them: their name, type, city and field of work. Their equipment lists, specifications, schedules,
policies and rates are illustrative, and they get no VAT number, since none is sourced. Every person
is fictional (surname "Esempio", email under `demo.example`), as is every organisation named
"Esempio", whose VAT numbers are made up but pass the partita IVA checks.

Loading is idempotent: rows are found by natural keys (organisation slug, user email, resource name
within its organisation, maintenance blackout reason, qualification resource and user) and only
missing ones are added; a second run with the same `now` changes nothing. Public holidays are no
demo data: the holiday calendar closes every resource on them, whatever the year.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import (
    Blackout,
    Cluster,
    OpeningHours,
    Organisation,
    Qualification,
    Resource,
    User,
    ValueChain,
)
from booking.reference import ensure_coordinator, ensure_reference_data
from booking.services.accounts import hash_password
from booking.services.transaction import writing

DEMO_PASSWORD = "demo-tecnopolo"
DEMO_EMAIL_DOMAIN = "demo.example"

# Provincial office codes of the revenue agency (digits 8-10 of a partita IVA).
OFFICE_PIACENZA, OFFICE_PARMA, OFFICE_REGGIO_EMILIA = "033", "034", "035"
OFFICE_MODENA, OFFICE_BOLOGNA = "036", "037"


def partita_iva(progressive: str, office: str) -> str:
    """A partita IVA from its 7-digit progressive number and 3-digit office code, with the Luhn
    check digit computed over the first ten digits (network.md §6)."""
    digits = progressive + office
    total = 0
    for position, digit in enumerate(int(d) for d in digits):
        if position % 2 == 1:  # the even positions, counting from 1
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return digits + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class OrganisationData:
    slug: str
    name: str
    type: str
    city: str
    clusters: tuple[str, ...] = ()
    accredited: bool = False
    vat_number: str | None = None
    description: str = ""
    website: str | None = None


_FICTIONAL = "Fictional organisation of the demo network."

ORGANISATIONS: tuple[OrganisationData, ...] = (
    OrganisationData(
        "bi-rex",
        "BI-REX Competence Center",
        "consortium",
        "Bologna",
        ("MECH",),
        description=(
            "Competence Center in Bologna whose Pilot Line covers big data, additive "
            "manufacturing, robotics, finishing and metrology."
        ),
    ),
    OrganisationData(
        "unimore",
        "Università di Modena e Reggio Emilia",
        "university",
        "Modena",
        ("MECH", "HEALTH", "URBAN"),
        description=(
            "With the Comune di Modena and the Ministry of Infrastructure and Transport, runs "
            "MASA, the Modena Automotive Smart Area."
        ),
    ),
    OrganisationData(
        "comune-di-modena",
        "Comune di Modena",
        "other",
        "Modena",
        ("URBAN",),
        description="The municipality of Modena; co-owner of MASA with Unimore.",
    ),
    OrganisationData(
        "siteia-parma",
        "SITEIA.PARMA",
        "research_lab",
        "Parma",
        ("AGRIFOOD",),
        accredited=True,
        description="Agrifood laboratory of the Tecnopolo di Parma, at the University Campus.",
    ),
    OrganisationData(
        "cipack",
        "CIPACK",
        "research_lab",
        "Parma",
        ("AGRIFOOD", "MECH"),
        accredited=True,
        description="Packaging laboratory of the Tecnopolo di Parma, at the University Campus.",
    ),
    OrganisationData(
        "ltta",
        "LTTA",
        "research_lab",
        "Ferrara",
        ("HEALTH",),
        accredited=True,
        description="Advanced therapies laboratory of the Tecnopolo di Ferrara.",
    ),
    OrganisationData(
        "mechlav",
        "MechLav",
        "research_lab",
        "Ferrara",
        ("MECH",),
        accredited=True,
        description="Mechanics laboratory of the Tecnopolo di Ferrara.",
    ),
    OrganisationData(
        "teknehub",
        "TekneHub",
        "research_lab",
        "Ferrara",
        ("BUILD", "CREATE"),
        accredited=True,
        description="Restoration laboratory of the Tecnopolo di Ferrara.",
    ),
    OrganisationData(
        "terra-acqua-tech",
        "Terra&Acqua Tech",
        "research_lab",
        "Ferrara",
        ("GREENTECH",),
        accredited=True,
        description="Environment and water laboratory of the Tecnopolo di Ferrara.",
    ),
    OrganisationData(
        "enea-brasimone",
        "ENEA Brasimone",
        "other",
        "Camugnano",
        ("GREENTECH",),
        description=(
            "ENEA research centre at Brasimone (Camugnano): experimental fission and fusion "
            "facilities."
        ),
    ),
    OrganisationData(
        "esempio-biologia-cellulare",
        "Laboratorio Esempio di Biologia Cellulare",
        "research_lab",
        "Ozzano dell'Emilia",
        ("HEALTH",),
        accredited=True,
        vat_number=partita_iva("0710001", OFFICE_BOLOGNA),
        description=_FICTIONAL + " Cell culture and molecular biology at Ozzano.",
    ),
    OrganisationData(
        "esempio-materiali-ceramici",
        "Centro Esempio per i Materiali Ceramici",
        "innovation_centre",
        "Faenza",
        ("MECH", "BUILD"),
        accredited=True,
        vat_number=partita_iva("0710002", "039"),
        description=_FICTIONAL + " Advanced ceramics at Parco Torricelli.",
    ),
    OrganisationData(
        "esempio-energia-ambiente",
        "Centro Esempio Energia e Ambiente",
        "innovation_centre",
        "Piacenza",
        ("GREENTECH",),
        accredited=True,
        vat_number=partita_iva("0710003", OFFICE_PIACENZA),
        description=_FICTIONAL + " Energy systems at the Tecnopolo di Piacenza.",
    ),
    OrganisationData(
        "esempio-meccanica",
        "Esempio Meccanica S.r.l.",
        "business",
        "Reggio Emilia",
        ("MECH",),
        vat_number=partita_iva("0710004", OFFICE_REGGIO_EMILIA),
        description=_FICTIONAL + " Precision machining for the automotive supply chain.",
    ),
    OrganisationData(
        "esempio-alimentare",
        "Esempio Alimentare S.p.A.",
        "business",
        "Parma",
        ("AGRIFOOD",),
        vat_number=partita_iva("0710005", OFFICE_PARMA),
        description=_FICTIONAL + " Food producer testing new recipes and packaging.",
    ),
    OrganisationData(
        "esempio-biosens",
        "Esempio BioSens S.r.l.",
        "startup",
        "Mirandola",
        ("HEALTH",),
        vat_number=partita_iva("0710006", OFFICE_MODENA),
        description=_FICTIONAL + " Innovative start-up developing biosensors.",
    ),
    OrganisationData(
        "its-esempio-meccatronica",
        "Fondazione ITS Esempio Meccatronica",
        "training_body",
        "Modena",
        ("MECH",),
        vat_number=partita_iva("0710007", OFFICE_MODENA),
        description=_FICTIONAL + " Higher technical institute training mechatronics technicians.",
    ),
    OrganisationData(
        "esempio-associazione-pazienti",
        "Associazione Esempio Pazienti",
        "other",
        "Bologna",
        ("HEALTH",),
        vat_number=partita_iva("0710008", OFFICE_BOLOGNA),
        description=_FICTIONAL + " Patient association taking part in health research.",
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    organisation: str  # slug
    role: str  # what the account is for, shown by seed-demo
    network_admin: bool = False
    org_admin: bool = False


def _email(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


ADMIN_EMAIL = _email("admin")
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(ADMIN_EMAIL, "Anna Esempio", "art-er", "network admin", network_admin=True),
    DemoAccount(
        _email("admin.unimore"),
        "Marco Esempio",
        "unimore",
        "organisation admin (Unimore)",
        org_admin=True,
    ),
    DemoAccount(
        _email("admin.siteia"),
        "Paola Esempio",
        "siteia-parma",
        "organisation admin (SITEIA.PARMA), resource manager",
        org_admin=True,
    ),
    DemoAccount(
        _email("admin.birex"),
        "Stefano Esempio",
        "bi-rex",
        "organisation admin (BI-REX)",
        org_admin=True,
    ),
    DemoAccount(_email("manager.birex"), "Luca Esempio", "bi-rex", "resource manager (BI-REX)"),
    DemoAccount(_email("manager.cipack"), "Sara Esempio", "cipack", "resource manager (CIPACK)"),
    DemoAccount(_email("manager.ltta"), "Davide Esempio", "ltta", "resource manager (LTTA)"),
    DemoAccount(
        _email("manager.mechlav"), "Roberto Esempio", "mechlav", "resource manager (MechLav)"
    ),
    DemoAccount(
        _email("manager.teknehub"), "Giulia Esempio", "teknehub", "resource manager (TekneHub)"
    ),
    DemoAccount(
        _email("manager.terracqua"),
        "Matteo Esempio",
        "terra-acqua-tech",
        "resource manager (Terra&Acqua Tech)",
    ),
    DemoAccount(
        _email("manager.ozzano"),
        "Chiara Esempio",
        "esempio-biologia-cellulare",
        "resource manager (cell biology lab, Ozzano)",
    ),
    DemoAccount(
        _email("manager.enea"), "Enrico Esempio", "enea-brasimone", "resource manager (ENEA)"
    ),
    DemoAccount(
        _email("manager.faenza"),
        "Federica Esempio",
        "esempio-materiali-ceramici",
        "resource manager (ceramics centre, Faenza)",
    ),
    DemoAccount(
        _email("manager.piacenza"),
        "Pietro Esempio",
        "esempio-energia-ambiente",
        "resource manager (energy centre, Piacenza)",
    ),
    DemoAccount(
        _email("manager.meccanica"),
        "Walter Esempio",
        "esempio-meccanica",
        "resource manager (Esempio Meccanica)",
    ),
    DemoAccount(
        _email("manager.its"),
        "Teresa Esempio",
        "its-esempio-meccatronica",
        "resource manager (ITS)",
    ),
    DemoAccount(
        _email("researcher.lab"),
        "Elena Esempio",
        "esempio-biologia-cellulare",
        "researcher of a lab",
    ),
    DemoAccount(
        _email("researcher.unimore"), "Giorgio Esempio", "unimore", "researcher of a university"
    ),
    DemoAccount(_email("business"), "Franco Esempio", "esempio-meccanica", "business user"),
    DemoAccount(_email("food"), "Lucia Esempio", "esempio-alimentare", "business user (agrifood)"),
    DemoAccount(_email("startup"), "Irene Esempio", "esempio-biosens", "start-up user"),
)

# Weekly opening hours: weekday (0 = Monday) → ranges in local time.
Weekly = dict[int, tuple[tuple[str, str], ...]]
WEEKDAYS = range(5)
OFFICE: Weekly = {day: (("08:00", "18:00"),) for day in WEEKDAYS}
SPLIT: Weekly = {day: (("08:30", "12:30"), ("14:00", "18:00")) for day in WEEKDAYS}
TEACHING: Weekly = {day: (("09:00", "13:00"), ("14:00", "18:00")) for day in WEEKDAYS}
EXTENDED: Weekly = {**{day: (("07:00", "21:00"),) for day in WEEKDAYS}, 5: (("08:00", "13:00"),)}
WORKING_DAYS_ROUND_THE_CLOCK: Weekly = {day: (("00:00", "24:00"),) for day in WEEKDAYS}
ALWAYS: Weekly = {day: (("00:00", "24:00"),) for day in range(7)}
MASA_HOURS: Weekly = {day: (("09:00", "12:30"), ("14:30", "17:00")) for day in WEEKDAYS}
BRASIMONE_HOURS: Weekly = {day: (("08:00", "16:00"),) for day in WEEKDAYS}

Rates = tuple[
    str | None, str | None, str | None, str | None
]  # internal, network, academic, industry
FREE: Rates = (None, None, None, None)


def _rates(network: str, academic: str, industry: str, internal: str | None = None) -> Rates:
    return (internal, network, academic, industry)


@dataclass(frozen=True)
class ResourceData:
    """A resource; children (the instruments of a joint lab) inherit its organisation, site,
    clusters, value chains, managers and, unless they set their own, opening hours."""

    name: str
    kind: str
    description: str = ""
    specs: tuple[tuple[str, str], ...] = ()
    organisation: str = ""
    site: str = ""
    clusters: tuple[str, ...] = ()
    value_chains: tuple[str, ...] = ()  # "CLUSTER.CHAIN"
    managers: tuple[str, ...] = ()
    co_owners: tuple[str, ...] = ()
    hours: Weekly | None = None
    visibility: str = "network"
    approval: str = "external"
    capacity: int = 1
    slot_minutes: int = 60
    min_duration_minutes: int = 60
    max_duration_minutes: int | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    lead_time_hours: int = 0
    horizon_days: int = 365
    requires_qualification: bool = False
    monthly_quota_hours: int | None = None
    rates: Rates = FREE
    children: tuple["ResourceData", ...] = field(default=())


BIREX_SITE = "BI-REX Competence Center, Pilot Line"
PARMA_SITE = "Tecnopolo di Parma, University Campus"
FERRARA_SITE = "Tecnopolo di Ferrara"
OZZANO_SITE = 'Tecnopolo "Rita Levi Montalcini"'

RESOURCES: tuple[ResourceData, ...] = (
    # Bologna, BI-REX Pilot Line
    ResourceData(
        "Additive manufacturing cell (metal laser powder bed fusion)",
        "pilot_installation",
        "Metal 3D printing cell of the pilot line; builds may run through the night on working "
        "days. Powder handling requires training.",
        (
            ("Process", "Laser powder bed fusion"),
            ("Build volume", "250 × 250 × 300 mm"),
            ("Materials", "AlSi10Mg, Ti6Al4V, 316L stainless steel"),
            ("Laser", "400 W fibre laser"),
        ),
        organisation="bi-rex",
        site=BIREX_SITE,
        clusters=("MECH",),
        value_chains=("MECH.DIGITAL_MANUFACTURING", "MECH.ADVANCED_MATERIALS"),
        managers=(_email("manager.birex"),),
        hours=WORKING_DAYS_ROUND_THE_CLOCK,
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=2880,
        buffer_after_minutes=120,
        lead_time_hours=72,
        horizon_days=180,
        requires_qualification=True,
        rates=_rates("80.00", "60.00", "140.00"),
    ),
    ResourceData(
        "Collaborative robotics cell",
        "pilot_installation",
        "Two collaborative arms with 3D vision for testing assembly and handling tasks.",
        (
            ("Robots", "2 collaborative arms, 10 kg payload"),
            ("Vision", "3D structured-light camera"),
            ("Safety", "Laser scanners, speed and separation monitoring"),
        ),
        organisation="bi-rex",
        site=BIREX_SITE,
        clusters=("MECH",),
        value_chains=("MECH.AUTOMATION_ROBOTICS",),
        managers=(_email("manager.birex"),),
        hours=SPLIT,
        slot_minutes=30,
        min_duration_minutes=60,
        max_duration_minutes=240,
        lead_time_hours=24,
        horizon_days=120,
        monthly_quota_hours=40,
        rates=_rates("40.00", "30.00", "75.00"),
    ),
    ResourceData(
        "Surface finishing cell",
        "pilot_installation",
        "Robotic grinding and polishing of metal parts; half an hour of set-up before each use.",
        (("Operations", "Grinding, polishing, deburring"), ("Max part size", "800 × 600 mm")),
        organisation="bi-rex",
        site=BIREX_SITE,
        clusters=("MECH",),
        value_chains=("MECH.DIGITAL_MANUFACTURING",),
        managers=(_email("manager.birex"),),
        hours=OFFICE,
        approval="always",
        min_duration_minutes=120,
        max_duration_minutes=480,
        buffer_before_minutes=30,
        lead_time_hours=48,
        rates=_rates("50.00", "40.00", "90.00"),
    ),
    ResourceData(
        "BI-REX Metrology Lab",
        "joint_lab",
        "The temperature-controlled metrology room as a whole, with all its instruments.",
        (("Room", "Temperature-controlled, 20 ± 0.5 °C"), ("Instruments", "3")),
        organisation="bi-rex",
        site=BIREX_SITE,
        clusters=("MECH",),
        value_chains=("MECH.DIGITAL_MANUFACTURING",),
        managers=(_email("manager.birex"),),
        hours=OFFICE,
        approval="always",
        min_duration_minutes=120,
        max_duration_minutes=600,
        lead_time_hours=48,
        horizon_days=180,
        rates=_rates("120.00", "90.00", "200.00"),
        children=(
            ResourceData(
                "Coordinate measuring machine",
                "instrument",
                "Bridge CMM with a scanning probe, for dimensional inspection.",
                (
                    ("Measuring volume", "1000 × 700 × 600 mm"),
                    ("Probe", "Scanning probe"),
                    ("Accuracy (MPE_E)", "1.5 + L/350 µm"),
                ),
                slot_minutes=30,
                min_duration_minutes=30,
                max_duration_minutes=240,
                requires_qualification=True,
                rates=_rates("45.00", "35.00", "80.00"),
            ),
            ResourceData(
                "3D optical scanner",
                "instrument",
                "Structured-light scanner for full-field shape comparison.",
                (("Resolution", "0.05 mm"), ("Output", "STL, point clouds")),
                approval="none",
                slot_minutes=30,
                min_duration_minutes=30,
                max_duration_minutes=180,
                rates=_rates("30.00", "20.00", "60.00"),
            ),
            ResourceData(
                "Surface roughness tester",
                "instrument",
                "Stylus profilometer; free of charge, with no limit on the length of a session.",
                (("Parameters", "Ra, Rz, Rt"), ("Stylus tip", "2 µm")),
                approval="none",
                slot_minutes=15,
                min_duration_minutes=15,
            ),
        ),
    ),
    ResourceData(
        "Big data platform compute nodes",
        "instrument",
        "Compute nodes for data analytics and simulation, available at all hours; book one "
        "unit of quantity per node.",
        (
            ("Nodes", "8 nodes, 2 × 32 cores, 512 GB RAM each"),
            ("Accelerators", "4 GPUs per node"),
            ("Storage", "200 TB shared parallel file system"),
        ),
        organisation="bi-rex",
        site=BIREX_SITE,
        clusters=("MECH",),
        value_chains=("MECH.DIGITAL_MANUFACTURING",),
        managers=(_email("manager.birex"),),
        hours=ALWAYS,
        visibility="clusters",
        approval="none",
        capacity=8,
        max_duration_minutes=10080,
        horizon_days=90,
        rates=_rates("2.50", "1.50", "6.00"),
    ),
    # Parma, SITEIA.PARMA
    ResourceData(
        "Agrifood pilot plant (thermal processing line)",
        "pilot_installation",
        "Pilot-scale line for heat treatment of liquid and semi-liquid foods; one hour of set-up "
        "before and two of cleaning in place after each run.",
        (
            ("Throughput", "Up to 500 kg/h"),
            ("Processes", "Pasteurisation, sterilisation, UHT"),
            ("Hygiene", "Cleaning in place (CIP)"),
        ),
        organisation="siteia-parma",
        site=PARMA_SITE,
        clusters=("AGRIFOOD",),
        managers=(_email("admin.siteia"),),
        hours=EXTENDED,
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=600,
        buffer_before_minutes=60,
        buffer_after_minutes=120,
        lead_time_hours=168,
        horizon_days=270,
        monthly_quota_hours=24,
        rates=_rates("150.00", "110.00", "260.00"),
    ),
    ResourceData(
        "High-pressure processing unit",
        "instrument",
        "Non-thermal preservation by high hydrostatic pressure.",
        (("Pressure", "Up to 600 MPa"), ("Vessel", "55 L")),
        organisation="siteia-parma",
        site=PARMA_SITE,
        clusters=("AGRIFOOD",),
        managers=(_email("admin.siteia"),),
        hours=OFFICE,
        slot_minutes=30,
        max_duration_minutes=240,
        lead_time_hours=24,
        requires_qualification=True,
        rates=_rates("60.00", "45.00", "110.00"),
    ),
    ResourceData(
        "Pilot spray dryer",
        "instrument",
        "Spray drying of food ingredients and extracts; an hour of cleaning after each run.",
        (("Evaporation rate", "Up to 25 kg/h of water"), ("Inlet temperature", "Up to 250 °C")),
        organisation="siteia-parma",
        site=PARMA_SITE,
        clusters=("AGRIFOOD",),
        managers=(_email("admin.siteia"),),
        hours=OFFICE,
        approval="always",
        min_duration_minutes=120,
        max_duration_minutes=480,
        buffer_after_minutes=60,
        rates=_rates("70.00", "50.00", "120.00"),
    ),
    ResourceData(
        "Sensory analysis room",
        "instrument",
        "Individual tasting booths for sensory panels; for the laboratory's own staff.",
        (("Booths", "10 individual booths (ISO 8589)"), ("Lighting", "Daylight and red light")),
        organisation="siteia-parma",
        site=PARMA_SITE,
        clusters=("AGRIFOOD",),
        managers=(_email("admin.siteia"),),
        hours=SPLIT,
        visibility="organisation",
        approval="none",
        capacity=10,
        slot_minutes=30,
        min_duration_minutes=30,
        max_duration_minutes=240,
    ),
    # Parma, CIPACK
    ResourceData(
        "Packaging pilot line (vertical form-fill-seal)",
        "pilot_installation",
        "Packaging trials with conventional and compostable films; an hour for the format change "
        "after each run.",
        (
            ("Format", "Vertical form-fill-seal"),
            ("Speed", "Up to 60 packs/min"),
            ("Films", "Mono- and multilayer, compostable"),
        ),
        organisation="cipack",
        site=PARMA_SITE,
        clusters=("AGRIFOOD", "MECH"),
        value_chains=("MECH.AUTOMATION_ROBOTICS",),
        managers=(_email("manager.cipack"),),
        hours=OFFICE,
        min_duration_minutes=120,
        max_duration_minutes=480,
        buffer_after_minutes=60,
        lead_time_hours=48,
        horizon_days=180,
        monthly_quota_hours=32,
        rates=_rates("90.00", "70.00", "160.00"),
    ),
    ResourceData(
        "Packaging materials testing lab",
        "joint_lab",
        "The barrier and mechanical testing room as a whole.",
        (("Instruments", "3"), ("Conditioning", "23 °C, 50 % RH")),
        organisation="cipack",
        site=PARMA_SITE,
        clusters=("AGRIFOOD",),
        managers=(_email("manager.cipack"),),
        hours=OFFICE,
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=600,
        rates=_rates("100.00", "80.00", "180.00"),
        children=(
            ResourceData(
                "Oxygen transmission rate analyser",
                "instrument",
                "Barrier properties of films and trays.",
                (("Standard", "ASTM D3985"), ("Range", "0.005-200 cc/m²·day")),
                approval="none",
                max_duration_minutes=600,
                rates=_rates("25.00", "20.00", "45.00"),
            ),
            ResourceData(
                "Universal tensile tester for films",
                "instrument",
                "Tensile, peel and puncture tests.",
                (("Load cell", "5 kN"), ("Standards", "ISO 527-3, ASTM D882")),
                approval="none",
                slot_minutes=30,
                min_duration_minutes=30,
                max_duration_minutes=240,
                requires_qualification=True,
                rates=_rates("20.00", "15.00", "40.00"),
            ),
            ResourceData(
                "Climatic chamber",
                "instrument",
                "Conditioning and ageing of packaging samples.",
                (("Temperature", "−40 °C to +180 °C"), ("Humidity", "10-98 % RH")),
                min_duration_minutes=240,
                max_duration_minutes=600,
                rates=_rates("15.00", "10.00", "30.00"),
            ),
        ),
    ),
    # Modena, Unimore
    ResourceData(
        "MASA Modena Automotive Smart Area test route",
        "pilot_installation",
        "Urban open-air laboratory for connected and autonomous driving, by the Comune di Modena "
        "and Unimore with the Ministry of Infrastructure and Transport. Trials are notified to "
        "the city two weeks ahead.",
        (
            ("Type", "Urban open-air laboratory"),
            ("Use", "Connected and autonomous driving trials"),
        ),
        organisation="unimore",
        site="Modena, urban area",
        clusters=("MECH", "URBAN"),
        value_chains=("MECH.VEHICLES", "URBAN.MOBILITY_TERRITORY"),
        managers=(_email("admin.unimore"),),
        co_owners=("comune-di-modena",),
        hours=MASA_HOURS,
        approval="always",
        slot_minutes=30,
        min_duration_minutes=120,
        max_duration_minutes=210,
        lead_time_hours=336,
        horizon_days=180,
        rates=_rates("150.00", "100.00", "300.00"),
    ),
    ResourceData(
        "Battery cell cycler (16 channels)",
        "instrument",
        "Charge and discharge cycling of battery cells; book one unit of quantity per channel.",
        (("Channels", "16 independent channels"), ("Current", "±10 A per channel")),
        organisation="unimore",
        site="Modena campus",
        clusters=("MECH",),
        value_chains=("MECH.ELECTRIFICATION",),
        managers=(_email("admin.unimore"),),
        hours=EXTENDED,
        capacity=16,
        max_duration_minutes=840,
        rates=_rates("4.00", "3.00", "9.00"),
    ),
    ResourceData(
        "Electric powertrain test bench",
        "pilot_installation",
        "Test bench for electric motors and inverters; an hour of set-up and of cool-down.",
        (("Power", "Up to 250 kW"), ("Speed", "Up to 20,000 rpm")),
        organisation="unimore",
        site="Modena campus",
        clusters=("MECH",),
        value_chains=("MECH.ELECTRIFICATION", "MECH.VEHICLES"),
        managers=(_email("admin.unimore"),),
        hours=OFFICE,
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=480,
        buffer_before_minutes=60,
        buffer_after_minutes=60,
        lead_time_hours=72,
        requires_qualification=True,
        monthly_quota_hours=20,
        rates=_rates("120.00", "90.00", "220.00"),
    ),
    # Ferrara, Tecnopolo
    ResourceData(
        "Advanced therapies cell factory",
        "joint_lab",
        "Clean room suite for cell and gene therapy process development, booked as a whole; "
        "an hour of sanitisation after each use.",
        (("Clean rooms", "Grade B background, grade A cabinets"), ("Instruments", "3")),
        organisation="ltta",
        site=FERRARA_SITE,
        clusters=("HEALTH",),
        value_chains=("HEALTH.MEDRER",),
        managers=(_email("manager.ltta"),),
        hours=OFFICE,
        visibility="clusters",
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=600,
        buffer_after_minutes=60,
        lead_time_hours=168,
        requires_qualification=True,
        rates=_rates("200.00", "150.00", "350.00"),
        children=(
            ResourceData(
                "Grade A biosafety cabinet",
                "instrument",
                "Aseptic handling of cell products.",
                (("Class", "II, grade A"), ("Width", "1.8 m")),
                visibility="clusters",
                slot_minutes=30,
                max_duration_minutes=240,
                requires_qualification=True,
                rates=_rates("40.00", "30.00", "70.00"),
            ),
            ResourceData(
                "CO2 incubator bank",
                "instrument",
                "Six incubators; book one unit of quantity per incubator.",
                (("Incubators", "6"), ("Atmosphere", "CO2 and O2 control")),
                visibility="clusters",
                capacity=6,
                max_duration_minutes=600,
                rates=_rates("5.00", "4.00", "10.00"),
            ),
            ResourceData(
                "Flow cytometer (4 lasers)",
                "instrument",
                "Immunophenotyping and cell sorting analysis.",
                (("Lasers", "4"), ("Parameters", "Up to 18 colours")),
                value_chains=("HEALTH.POSERR",),
                visibility="clusters",
                slot_minutes=30,
                min_duration_minutes=30,
                max_duration_minutes=240,
                rates=_rates("50.00", "35.00", "90.00"),
            ),
        ),
    ),
    ResourceData(
        "Servo-hydraulic fatigue testing machine (100 kN)",
        "instrument",
        "Fatigue and fracture testing of metals and composites.",
        (
            ("Load capacity", "±100 kN"),
            ("Frequency", "Up to 50 Hz"),
            ("Temperature chamber", "−70 °C to +350 °C"),
        ),
        organisation="mechlav",
        site=FERRARA_SITE,
        clusters=("MECH",),
        value_chains=("MECH.ADVANCED_MATERIALS",),
        managers=(_email("manager.mechlav"),),
        hours=EXTENDED,
        min_duration_minutes=120,
        max_duration_minutes=840,
        lead_time_hours=24,
        rates=_rates("55.00", "40.00", "95.00"),
    ),
    ResourceData(
        "Scanning electron microscope with EDS",
        "instrument",
        "Imaging and elemental analysis; a quarter of an hour of pump-down before each session.",
        (("Resolution", "3 nm at 30 kV"), ("Detector", "EDS, 30 mm²")),
        organisation="mechlav",
        site=FERRARA_SITE,
        clusters=("MECH",),
        value_chains=("MECH.ADVANCED_MATERIALS",),
        managers=(_email("manager.mechlav"),),
        hours=SPLIT,
        slot_minutes=30,
        max_duration_minutes=240,
        buffer_before_minutes=15,
        requires_qualification=True,
        monthly_quota_hours=12,
        rates=_rates("70.00", "50.00", "130.00"),
    ),
    ResourceData(
        "Portable X-ray fluorescence spectrometer",
        "instrument",
        "Non-invasive elemental analysis of works of art and historic buildings, on site.",
        (("Elements", "Mg to U"), ("Spot size", "1 mm and 8 mm")),
        organisation="teknehub",
        site=FERRARA_SITE,
        clusters=("BUILD",),
        value_chains=("BUILD.INNOVA_CHM",),
        managers=(_email("manager.teknehub"),),
        hours=OFFICE,
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=600,
        lead_time_hours=72,
        rates=_rates("35.00", "25.00", "70.00"),
    ),
    ResourceData(
        "Multispectral imaging system for works of art",
        "instrument",
        "Ultraviolet to infrared imaging for diagnostics and digitisation of heritage.",
        (("Bands", "12, from 365 to 1100 nm"), ("Sensor", "50 megapixels")),
        organisation="teknehub",
        site=FERRARA_SITE,
        clusters=("BUILD", "CREATE"),
        value_chains=("BUILD.INNOVA_CHM", "CREATE.CULT_TECH"),
        managers=(_email("manager.teknehub"),),
        hours=OFFICE,
        min_duration_minutes=120,
        max_duration_minutes=480,
        rates=_rates("30.00", "20.00", "60.00"),
    ),
    ResourceData(
        "Hydraulic flume for sediment transport",
        "pilot_installation",
        "Laboratory channel for river and coastal hydraulics; an hour to fill it before each run.",
        (("Length", "20 m"), ("Width", "0.8 m"), ("Discharge", "Up to 150 L/s")),
        organisation="terra-acqua-tech",
        site=FERRARA_SITE,
        clusters=("GREENTECH",),
        value_chains=("GREENTECH.ENVIRONMENT",),
        managers=(_email("manager.terracqua"),),
        hours=OFFICE,
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=600,
        buffer_before_minutes=60,
        lead_time_hours=120,
        rates=_rates("60.00", "45.00", "110.00"),
    ),
    ResourceData(
        "ICP-MS for water analysis",
        "instrument",
        "Trace metals in water, soil and sediment samples.",
        (("Technique", "Inductively coupled plasma mass spectrometry"), ("Detection", "ppt")),
        organisation="terra-acqua-tech",
        site=FERRARA_SITE,
        clusters=("GREENTECH",),
        value_chains=("GREENTECH.ENVIRONMENT",),
        managers=(_email("manager.terracqua"),),
        hours=SPLIT,
        slot_minutes=30,
        max_duration_minutes=480,
        requires_qualification=True,
        monthly_quota_hours=16,
        rates=_rates("65.00", "45.00", "120.00"),
    ),
    # Ozzano dell'Emilia, Tecnopolo "Rita Levi Montalcini"
    ResourceData(
        "Cell culture suite",
        "joint_lab",
        "The cell culture room as a whole, with its two cabinets and the live-cell microscope.",
        (("Biosafety level", "BSL-2"), ("Instruments", "3")),
        organisation="esempio-biologia-cellulare",
        site=OZZANO_SITE,
        clusters=("HEALTH",),
        value_chains=("HEALTH.MEDRER",),
        managers=(_email("manager.ozzano"),),
        hours=OFFICE,
        slot_minutes=30,
        min_duration_minutes=120,
        max_duration_minutes=480,
        rates=_rates("60.00", "45.00", "110.00"),
        children=(
            ResourceData(
                "Biosafety cabinet class II A",
                "instrument",
                "Cabinet for sterile cell culture work.",
                (("Class", "II"), ("Width", "1.2 m")),
                approval="none",
                slot_minutes=30,
                min_duration_minutes=30,
                max_duration_minutes=240,
                requires_qualification=True,
                rates=_rates("15.00", "10.00", "30.00"),
            ),
            ResourceData(
                "Biosafety cabinet class II B",
                "instrument",
                "Cabinet for sterile cell culture work.",
                (("Class", "II"), ("Width", "1.5 m")),
                approval="none",
                slot_minutes=30,
                min_duration_minutes=30,
                max_duration_minutes=240,
                requires_qualification=True,
                rates=_rates("15.00", "10.00", "30.00"),
            ),
            ResourceData(
                "Live-cell imaging microscope",
                "instrument",
                "Inverted fluorescence microscope with an incubation stage for time-lapse imaging.",
                (("Objectives", "10×, 20×, 40×, 63× oil"), ("Incubation", "37 °C, 5 % CO2")),
                max_duration_minutes=480,
                rates=_rates("35.00", "25.00", "60.00"),
            ),
        ),
    ),
    ResourceData(
        "Real-time PCR system",
        "instrument",
        "Quantitative PCR in 96-well plates.",
        (("Format", "96-well"), ("Channels", "5 colours")),
        organisation="esempio-biologia-cellulare",
        site=OZZANO_SITE,
        clusters=("HEALTH",),
        value_chains=("HEALTH.POSERR",),
        managers=(_email("manager.ozzano"),),
        hours=OFFICE,
        approval="none",
        slot_minutes=15,
        min_duration_minutes=15,
        max_duration_minutes=180,
        rates=_rates("12.00", "8.00", "25.00"),
    ),
    ResourceData(
        "Microvolume spectrophotometer",
        "instrument",
        "Nucleic acid and protein quantification from 1 µL; for the laboratory's own staff.",
        (("Sample volume", "1-2 µL"), ("Range", "190-850 nm")),
        organisation="esempio-biologia-cellulare",
        site=OZZANO_SITE,
        clusters=("HEALTH",),
        managers=(_email("manager.ozzano"),),
        hours=OFFICE,
        visibility="organisation",
        approval="none",
        slot_minutes=15,
        min_duration_minutes=15,
        max_duration_minutes=60,
    ),
    # Camugnano, ENEA Brasimone
    ResourceData(
        "Non-nuclear prototype of a lead-cooled reactor",
        "pilot_installation",
        "Prototype built with newcleo at the ENEA Brasimone research centre, for experimental "
        "campaigns agreed well in advance.",
        (("Coolant", "Lead"), ("Type", "Non-nuclear prototype"), ("Built with", "newcleo")),
        organisation="enea-brasimone",
        site="ENEA Brasimone research centre",
        clusters=("GREENTECH",),
        value_chains=("GREENTECH.LOW_CARBON",),
        managers=(_email("manager.enea"),),
        hours=BRASIMONE_HOURS,
        visibility="clusters",
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=480,
        lead_time_hours=720,
        requires_qualification=True,
        rates=_rates("400.00", "300.00", "800.00"),
    ),
    # Faenza, Parco Torricelli
    ResourceData(
        "Ceramic binder-jetting 3D printer",
        "instrument",
        "Additive manufacturing of ceramic parts; an hour of depowdering after each job.",
        (("Build volume", "400 × 250 × 250 mm"), ("Materials", "Alumina, zirconia, silica")),
        organisation="esempio-materiali-ceramici",
        site="Parco Torricelli",
        clusters=("MECH", "BUILD"),
        value_chains=("MECH.ADVANCED_MATERIALS",),
        managers=(_email("manager.faenza"),),
        hours=OFFICE,
        min_duration_minutes=120,
        max_duration_minutes=600,
        buffer_after_minutes=60,
        rates=_rates("45.00", "35.00", "85.00"),
    ),
    ResourceData(
        "High-temperature furnace (1700 °C)",
        "instrument",
        "Sintering furnace; four hours of cool-down after each cycle.",
        (("Maximum temperature", "1700 °C"), ("Chamber", "30 L"), ("Atmosphere", "Air")),
        organisation="esempio-materiali-ceramici",
        site="Parco Torricelli",
        clusters=("MECH",),
        value_chains=("MECH.ADVANCED_MATERIALS",),
        managers=(_email("manager.faenza"),),
        hours=OFFICE,
        approval="none",
        min_duration_minutes=240,
        max_duration_minutes=600,
        buffer_after_minutes=240,
        rates=_rates("20.00", "15.00", "40.00"),
    ),
    # Piacenza, Tecnopolo
    ResourceData(
        "Power electronics test room",
        "instrument",
        "Grid emulator and programmable loads for converters and storage systems.",
        (("Grid emulator", "90 kVA"), ("DC source", "1000 V, 100 A")),
        organisation="esempio-energia-ambiente",
        site="Tecnopolo di Piacenza, former Officina Trasformatori",
        clusters=("GREENTECH",),
        value_chains=("GREENTECH.LOW_CARBON",),
        managers=(_email("manager.piacenza"),),
        hours=OFFICE,
        max_duration_minutes=480,
        lead_time_hours=24,
        rates=_rates("50.00", "35.00", "90.00"),
    ),
    ResourceData(
        "Photovoltaic module test bench",
        "instrument",
        "I-V curve tracing under a solar simulator; free for the network.",
        (("Simulator", "Class AAA"), ("Module size", "Up to 2.2 × 1.2 m")),
        organisation="esempio-energia-ambiente",
        site="Tecnopolo di Piacenza, Casino Mandelli",
        clusters=("GREENTECH",),
        value_chains=("GREENTECH.LOW_CARBON",),
        managers=(_email("manager.piacenza"),),
        hours=OFFICE,
        approval="none",
        min_duration_minutes=120,
        max_duration_minutes=600,
        rates=(None, None, None, "60.00"),
    ),
    # Reggio Emilia and Modena
    ResourceData(
        "5-axis CNC machining centre",
        "instrument",
        "Machining of prototypes for members of the same Clust-ER.",
        (("Axes", "5 simultaneous"), ("Work envelope", "650 × 520 × 475 mm")),
        organisation="esempio-meccanica",
        site="Reggio Emilia works",
        clusters=("MECH",),
        value_chains=("MECH.DIGITAL_MANUFACTURING",),
        managers=(_email("manager.meccanica"),),
        hours=OFFICE,
        visibility="clusters",
        approval="always",
        min_duration_minutes=240,
        max_duration_minutes=480,
        lead_time_hours=48,
        monthly_quota_hours=16,
        rates=_rates("70.00", "60.00", "85.00"),
    ),
    ResourceData(
        "Teaching robot cell",
        "instrument",
        "Industrial robot cell used for courses; free for everyone outside lesson hours.",
        (("Robot", "6-axis, 7 kg payload"), ("Controller", "With offline programming")),
        organisation="its-esempio-meccatronica",
        site="Modena",
        clusters=("MECH",),
        value_chains=("MECH.AUTOMATION_ROBOTICS",),
        managers=(_email("manager.its"),),
        hours=TEACHING,
        approval="none",
        max_duration_minutes=240,
    ),
)


@dataclass(frozen=True)
class MaintenanceData:
    resource: str  # name; unique among the demo resources
    reason: str
    days_ahead: int  # on the first working day at least this many days after `now`
    start: str
    hours: int


MAINTENANCE: tuple[MaintenanceData, ...] = (
    MaintenanceData(
        "BI-REX Metrology Lab", "Annual calibration of the metrology room", 21, "08:00", 10
    ),
    MaintenanceData(
        "Additive manufacturing cell (metal laser powder bed fusion)",
        "Laser service",
        35,
        "00:00",
        48,
    ),
    MaintenanceData(
        "Advanced therapies cell factory", "Clean room requalification", 45, "00:00", 72
    ),
    MaintenanceData("Biosafety cabinet class II A", "HEPA filter replacement", 10, "14:00", 4),
    MaintenanceData(
        "Packaging pilot line (vertical form-fill-seal)",
        "Sealing jaws replacement",
        14,
        "08:00",
        10,
    ),
)


@dataclass(frozen=True)
class QualificationData:
    user: str  # email
    resource: str  # name
    valid_days: int | None  # from `now`; negative for an expired one, None for no expiry


QUALIFICATIONS: tuple[QualificationData, ...] = (
    QualificationData(_email("researcher.lab"), "Biosafety cabinet class II A", None),
    QualificationData(_email("researcher.lab"), "Biosafety cabinet class II B", 365),
    QualificationData(_email("researcher.unimore"), "Electric powertrain test bench", 180),
    QualificationData(_email("researcher.unimore"), "Scanning electron microscope with EDS", -30),
    QualificationData(
        _email("business"), "Additive manufacturing cell (metal laser powder bed fusion)", 365
    ),
    QualificationData(_email("startup"), "Scanning electron microscope with EDS", 365),
    QualificationData(_email("food"), "High-pressure processing unit", 365),
)


@dataclass
class DemoSummary:
    totals: dict[str, int]  # rows of each kind after loading
    created: dict[str, int]  # of which added by this run


@writing()
def load_demo_network(now: datetime) -> DemoSummary:
    """Add whatever the demo network misses to the database, in one unit of work.

    `now` (aware) anchors the maintenance windows and the qualifications' expiry dates.
    """
    if now.tzinfo is None:
        raise ValueError("load_demo_network needs an aware datetime")
    before = _totals()
    clusters = ensure_reference_data()
    chains = {
        f"{cluster.code}.{chain.code}": chain
        for cluster in clusters.values()
        for chain in cluster.value_chains
    }
    organisations = _ensure_organisations(clusters)
    users = _ensure_users(organisations, now)
    resources = _ensure_resources(organisations, users, clusters, chains, now)
    db.session.flush()
    _ensure_maintenance(resources, _existing_blackouts(resources), now)
    _ensure_qualifications(resources, users, now)
    db.session.flush()
    after = _totals()
    return DemoSummary(totals=after, created={kind: after[kind] - before[kind] for kind in after})


def _ensure_organisations(clusters: dict[str, Cluster]) -> dict[str, Organisation]:
    coordinator = ensure_coordinator()
    found = db.session.execute(
        select(Organisation).where(
            or_(
                Organisation.slug.in_([o.slug for o in ORGANISATIONS]),
                Organisation.name.in_([o.name for o in ORGANISATIONS]),
            )
        )
    ).scalars()
    by_key = {}
    for organisation in found:
        by_key[organisation.slug] = by_key[organisation.name] = organisation
    organisations = {coordinator.slug: coordinator}
    for data in ORGANISATIONS:
        organisation = by_key.get(data.slug) or by_key.get(data.name)
        if organisation is None:
            organisation = Organisation(
                slug=data.slug,
                name=data.name,
                type=data.type,
                city=data.city,
                accredited=data.accredited,
                vat_number=data.vat_number,
                description=data.description,
                website=data.website,
                clusters=[clusters[code] for code in data.clusters],
            )
            db.session.add(organisation)
        organisations[data.slug] = organisation
    return organisations


def _ensure_users(organisations: dict[str, Organisation], now: datetime) -> dict[str, User]:
    users = {
        user.email: user
        for user in db.session.execute(
            select(User).where(User.email.in_([a.email for a in DEMO_ACCOUNTS]))
        ).scalars()
    }
    missing = [account for account in DEMO_ACCOUNTS if account.email not in users]
    if missing:
        # One hash for every new account: they share the demo password, and hashing is slow.
        password_hash = hash_password(DEMO_PASSWORD)
    for account in missing:
        user = User(
            email=account.email,
            name=account.name,
            password_hash=password_hash,
            organisation=organisations[account.organisation],
            is_network_admin=account.network_admin,
            is_org_admin=account.org_admin,
            active=True,
            created_at=now,
        )
        db.session.add(user)
        users[account.email] = user
    return users


def _flattened() -> list[tuple[ResourceData, ResourceData | None]]:
    """Every demo resource with its parent, parents first; children inherit from the parent."""
    pairs: list[tuple[ResourceData, ResourceData | None]] = []
    for data in RESOURCES:
        pairs.append((data, None))
        pairs.extend((child, data) for child in data.children)
    return pairs


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _ensure_resources(
    organisations: dict[str, Organisation],
    users: dict[str, User],
    clusters: dict[str, Cluster],
    chains: dict[str, ValueChain],
    now: datetime,
) -> dict[str, Resource]:
    organisation_ids = [o.id for o in organisations.values() if o.id is not None]
    existing = {
        (resource.organisation_id, resource.name): resource
        for resource in db.session.execute(
            select(Resource)
            .options(selectinload(Resource.managers))
            .where(Resource.organisation_id.in_(organisation_ids))
        ).scalars()
    }
    resources: dict[str, Resource] = {}
    for data, parent_data in _flattened():
        owner_data = parent_data or data
        organisation = organisations[owner_data.organisation]
        resource = existing.get((organisation.id, data.name))
        if resource is None:
            resource = _new_resource(
                data,
                owner_data,
                organisation,
                parent=resources[parent_data.name] if parent_data else None,
                organisations=organisations,
                users=users,
                clusters=clusters,
                chains=chains,
                now=now,
            )
            db.session.add(resource)
        resources[data.name] = resource
    return resources


def _new_resource(
    data: ResourceData,
    owner_data: ResourceData,
    organisation: Organisation,
    *,
    parent: Resource | None,
    organisations: dict[str, Organisation],
    users: dict[str, User],
    clusters: dict[str, Cluster],
    chains: dict[str, ValueChain],
    now: datetime,
) -> Resource:
    internal, network, academic, industry = data.rates
    hours = data.hours or owner_data.hours or {}
    chain_keys = dict.fromkeys((*owner_data.value_chains, *data.value_chains))
    return Resource(
        name=data.name,
        kind=data.kind,
        organisation=organisation,
        parent=parent,
        timezone="Europe/Rome",
        city=organisation.city,
        site=owner_data.site,
        description=data.description,
        specs=[list(pair) for pair in data.specs],
        visibility=data.visibility,
        approval=data.approval,
        capacity=data.capacity,
        slot_minutes=data.slot_minutes,
        min_duration_minutes=data.min_duration_minutes,
        max_duration_minutes=data.max_duration_minutes,
        buffer_before_minutes=data.buffer_before_minutes,
        buffer_after_minutes=data.buffer_after_minutes,
        lead_time_hours=data.lead_time_hours,
        horizon_days=data.horizon_days,
        requires_qualification=data.requires_qualification,
        monthly_quota_hours=data.monthly_quota_hours,
        rate_internal=Decimal(internal) if internal else None,
        rate_network=Decimal(network) if network else None,
        rate_academic=Decimal(academic) if academic else None,
        rate_industry=Decimal(industry) if industry else None,
        managers=[users[email] for email in owner_data.managers],
        co_owners=[organisations[slug] for slug in owner_data.co_owners],
        clusters=[clusters[code] for code in owner_data.clusters],
        value_chains=[chains[key] for key in chain_keys],
        opening_hours=[
            OpeningHours(weekday=day, start_minute=_minutes(start), end_minute=_minutes(end))
            for day, ranges in sorted(hours.items())
            for start, end in ranges
        ],
        created_at=now,
        updated_at=now,
    )


def _existing_blackouts(resources: dict[str, Resource]) -> list[Blackout]:
    ids = [resource.id for resource in resources.values()]
    return list(db.session.execute(select(Blackout).where(Blackout.resource_id.in_(ids))).scalars())


def _first_working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _ensure_maintenance(
    resources: dict[str, Resource], existing: list[Blackout], now: datetime
) -> None:
    """Maintenance windows are found by their reason, so a later run on another day does not
    add them again at other dates."""
    taken = {(b.resource_id, b.reason) for b in existing}
    for data in MAINTENANCE:
        resource = resources[data.resource]
        if (resource.id, data.reason) in taken:
            continue
        zone = ZoneInfo(resource.timezone)
        day = _first_working_day(now.astimezone(zone).date() + timedelta(days=data.days_ahead))
        local_start = datetime.combine(day, time()) + timedelta(minutes=_minutes(data.start))
        start = local_start.replace(tzinfo=zone).astimezone(UTC)
        end = (local_start + timedelta(hours=data.hours)).replace(tzinfo=zone).astimezone(UTC)
        managers = resource.managers
        db.session.add(
            Blackout(
                resource_id=resource.id,
                start_at=start,
                end_at=end,
                reason=data.reason,
                created_by_id=managers[0].id if managers else None,
                created_at=now,
            )
        )


def _ensure_qualifications(
    resources: dict[str, Resource], users: dict[str, User], now: datetime
) -> None:
    ids = [resource.id for resource in resources.values()]
    taken = {
        (row.resource_id, row.user_id)
        for row in db.session.execute(
            select(Qualification.resource_id, Qualification.user_id).where(
                Qualification.resource_id.in_(ids)
            )
        )
    }
    today = now.astimezone(ZoneInfo("Europe/Rome")).date()
    for data in QUALIFICATIONS:
        resource, user = resources[data.resource], users[data.user]
        if (resource.id, user.id) in taken:
            continue
        managers = resource.managers
        db.session.add(
            Qualification(
                resource_id=resource.id,
                user_id=user.id,
                expires_on=None
                if data.valid_days is None
                else today + timedelta(days=data.valid_days),
                granted_by_id=managers[0].id if managers else None,
                created_at=now,
            )
        )


def _totals() -> dict[str, int]:
    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return {
        "clusters": count(Cluster),
        "value chains": count(ValueChain),
        "organisations": count(Organisation),
        "users": count(User),
        "resources": count(Resource),
        "blackouts": count(Blackout),
        "qualifications": count(Qualification),
    }
