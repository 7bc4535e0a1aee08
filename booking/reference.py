"""Reference data: the Clust-ER associations, their value chains, and the network's coordinator.

Taken from the domain note (shared/domain/network.md §1), which names nine Clust-ERs. Value chains are
loaded only where a source publishes them; where the note gives a name in one language only, the
other is our faithful translation.

Deliberately left without value chains, because no source confirmed their names:
- AGRIFOOD (only its "farm to fork" scope is published);
- INNOVATE (only a Cultural and Creative Industries Hub among its working groups);
- TOURISM.
URBAN carries only the two working tables that its site names; its full list is unconfirmed.

`ensure_reference_data()` matches clusters and value chains by code, so renaming one later is a data
update of the same row, never a duplicate.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Cluster, Organisation, ValueChain
from booking.services.transaction import writing


@dataclass(frozen=True)
class ValueChainData:
    code: str
    name_en: str
    name_it: str


@dataclass(frozen=True)
class ClusterData:
    code: str
    name_en: str
    name_it: str
    value_chains: tuple[ValueChainData, ...] = ()


CLUSTERS: tuple[ClusterData, ...] = (
    ClusterData("AGRIFOOD", "Agrifood", "Agroalimentare"),
    ClusterData(
        "BUILD",
        "Building and Construction",
        "Edilizia e Costruzioni",
        (
            ValueChainData(
                "INNOVA_CHM",
                "Conservation and enhancement of the historical and artistic heritage (INNOVA-CHM)",
                "Conservazione e valorizzazione del patrimonio storico-artistico (INNOVA-CHM)",
            ),
            ValueChainData(
                "GREEN_TO_BUILD",
                "Energy efficiency and sustainability in building (Green to Build)",
                "Efficienza energetica e sostenibilità in edilizia (Green to Build)",
            ),
            ValueChainData(
                "SICUCI",
                "Safety of buildings and civil infrastructure (SICUCI)",
                "Sicurezza delle costruzioni e delle infrastrutture civili (SICUCI)",
            ),
        ),
    ),
    ClusterData(
        "CREATE",
        "Cultural and Creative Industries",
        "Industrie Culturali e Creative",
        (
            ValueChainData("FASHION", "Fashion", "Moda"),
            ValueChainData(
                "CULT_TECH",
                "Technologies for Digital Culture (CULT_TECH)",
                "Tecnologie per la cultura digitale (CULT_TECH)",
            ),
            ValueChainData(
                "ADDICT",
                "Advanced Design & Digital Craftsmanship (ADDICT)",
                "Design avanzato e artigianato digitale (ADDICT)",
            ),
            ValueChainData(
                "MULTIMODEL",
                "Multimedia & New Business Model (MULTIMODEL)",
                "Multimedia e nuovi modelli di business (MULTIMODEL)",
            ),
            ValueChainData(
                "TOURISM_URBAN_REACTIVATION",
                "Tourism and Urban Reactivation",
                "Turismo e riattivazione urbana",
            ),
        ),
    ),
    ClusterData(
        "GREENTECH",
        "Energy and Sustainable Development",
        "Energia e Sviluppo Sostenibile",
        (
            ValueChainData(
                "LOW_CARBON", "Low Carbon Economy", "Economia a basse emissioni di carbonio"
            ),
            ValueChainData(
                "ENVIRONMENT",
                "Environmental Sustainability and Ecosystem Services",
                "Sostenibilità ambientale e servizi ecosistemici",
            ),
        ),
    ),
    ClusterData(
        "HEALTH",
        "Life Sciences and Wellbeing",
        "Industrie della Salute e del Benessere",
        (
            ValueChainData(
                "BIOMEDTECH",
                "BioMedTech (next-generation Medtech)",
                "BioMedTech (Medtech di nuova generazione)",
            ),
            ValueChainData(
                "MEDRER",
                "MedReR (Regenerative and Reparative Medicine)",
                "MedReR (Medicina Rigenerativa e Riparativa)",
            ),
            ValueChainData(
                "POSERR",
                "POSERR (Pharmaceutical and Omics Sciences in E-R Region)",
                "POSERR (Scienze farmaceutiche e omiche in Emilia-Romagna)",
            ),
            ValueChainData(
                "SALUSTECH",
                "SalusTECH (Smart and Active Living, inclusive services and usable technologies)",
                "SalusTECH (Vita attiva e intelligente, servizi inclusivi e tecnologie usabili)",
            ),
        ),
    ),
    ClusterData("INNOVATE", "Service Innovation", "Innovazione nei Servizi"),
    ClusterData(
        "MECH",
        "Mechatronics and Motoristics",
        "Meccatronica e Motoristica",
        (
            ValueChainData(
                "DIGITAL_MANUFACTURING",
                "Digital and advanced manufacturing",
                "Manifattura digitale e avanzata",
            ),
            ValueChainData(
                "AUTOMATION_ROBOTICS", "Automation and robotics", "Automazione e robotica"
            ),
            ValueChainData(
                "VEHICLES",
                "Efficient, sustainable and smart engines and vehicles",
                "Motori e veicoli efficienti, sostenibili, intelligenti",
            ),
            ValueChainData(
                "ADVANCED_MATERIALS",
                "Advanced materials for motoristics and mechatronics",
                "Materiali avanzati per motoristica e meccatronica",
            ),
            ValueChainData("AEROSPACE", "Avionics and aerospace", "Avionica e aerospazio"),
            ValueChainData("NAUTICAL", "Nautical industry", "Nautica"),
            ValueChainData("FLUID_POWER", "Fluid power (FluidPower)", "Oleodinamica (FluidPower)"),
            ValueChainData(
                "ELECTRIFICATION", "Electrification and batteries", "Elettrificazione e batterie"
            ),
        ),
    ),
    ClusterData("TOURISM", "Tourism", "Turismo"),
    ClusterData(
        "URBAN",
        "Urban Economy",
        "Economia Urbana",
        (
            ValueChainData("MOBILITY_TERRITORY", "Mobility and territory", "Mobilità e territorio"),
            ValueChainData("LOCAL_MARKETS", "Local markets", "Mercati di vicinato"),
        ),
    ),
)

# ART-ER coordinates the Clust-ERs and the High Technology Network (network.md §1, §2).
COORDINATOR_SLUG = "art-er"
COORDINATOR = {
    "slug": COORDINATOR_SLUG,
    "name": "ART-ER",
    "type": "consortium",
    "city": "Bologna",
    "description": (
        "Coordinates the Clust-ER associations, the High Technology Network and the Tecnopoli "
        "network of Emilia-Romagna. Formed in 2019 when ASTER merged with ERVET."
    ),
    "website": "https://www.art-er.it",
}


def _update_names(row: Cluster | ValueChain, data: ClusterData | ValueChainData) -> None:
    # Assign only what differs, so that a run over current data leaves every row untouched.
    for attribute in ("name_en", "name_it"):
        if getattr(row, attribute) != getattr(data, attribute):
            setattr(row, attribute, getattr(data, attribute))


@writing()
def ensure_reference_data() -> dict[str, Cluster]:
    """Insert or update every Clust-ER and value chain by code, in one unit of work; the
    clusters by code."""
    existing = {
        cluster.code: cluster
        for cluster in db.session.execute(
            select(Cluster).options(selectinload(Cluster.value_chains))
        ).scalars()
    }
    for data in CLUSTERS:
        cluster = existing.get(data.code)
        if cluster is None:
            cluster = Cluster(code=data.code, name_en=data.name_en, name_it=data.name_it)
            db.session.add(cluster)
            existing[data.code] = cluster
        else:
            _update_names(cluster, data)
        chains = {chain.code: chain for chain in cluster.value_chains}
        for chain_data in data.value_chains:
            chain = chains.get(chain_data.code)
            if chain is None:
                cluster.value_chains.append(
                    ValueChain(
                        code=chain_data.code, name_en=chain_data.name_en, name_it=chain_data.name_it
                    )
                )
            else:
                _update_names(chain, chain_data)
    return existing


def ensure_coordinator() -> Organisation:
    """The coordinator organisation (ART-ER), created when missing; the caller commits."""
    # By name too: an organisation called ART-ER under another slug is the same body.
    coordinator = db.session.execute(
        select(Organisation)
        .where(or_(Organisation.slug == COORDINATOR_SLUG, Organisation.name == COORDINATOR["name"]))
        .order_by(Organisation.slug != COORDINATOR_SLUG)
        .limit(1)
    ).scalar_one_or_none()
    if coordinator is None:
        coordinator = Organisation(accredited=False, **COORDINATOR)
        db.session.add(coordinator)
        db.session.flush()
    return coordinator
