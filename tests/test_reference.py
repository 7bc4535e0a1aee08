"""The Clust-ERs and their value chains, loaded idempotently by code."""

from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Cluster, Organisation, ValueChain
from booking.reference import CLUSTERS, ensure_coordinator, ensure_reference_data


def _chains_by_cluster() -> dict[str, set[str]]:
    rows = db.session.execute(
        select(Cluster.code, ValueChain.code).outerjoin(
            ValueChain, ValueChain.cluster_id == Cluster.id
        )
    ).all()
    chains: dict[str, set[str]] = {}
    for cluster_code, chain_code in rows:
        chains.setdefault(cluster_code, set())
        if chain_code is not None:
            chains[cluster_code].add(chain_code)
    return chains


def test_the_nine_named_clust_ers_are_loaded_with_both_names(app):
    ensure_reference_data()
    names = {
        code: (en, it)
        for code, en, it in db.session.execute(
            select(Cluster.code, Cluster.name_en, Cluster.name_it)
        ).all()
    }
    assert set(names) == {
        "AGRIFOOD",
        "BUILD",
        "CREATE",
        "GREENTECH",
        "HEALTH",
        "INNOVATE",
        "MECH",
        "TOURISM",
        "URBAN",
    }
    assert names["MECH"] == ("Mechatronics and Motoristics", "Meccatronica e Motoristica")
    assert names["URBAN"] == ("Urban Economy", "Economia Urbana")


def test_clusters_whose_value_chains_are_unverified_get_none(app):
    ensure_reference_data()
    chains = _chains_by_cluster()
    assert chains["AGRIFOOD"] == chains["INNOVATE"] == chains["TOURISM"] == set()


def test_mech_has_eight_value_chains_including_electrification_and_batteries(app):
    ensure_reference_data()
    assert len(_chains_by_cluster()["MECH"]) == 8
    chain = db.session.execute(
        select(ValueChain).where(ValueChain.code == "ELECTRIFICATION")
    ).scalar_one()
    assert (chain.name_en, chain.name_it) == (
        "Electrification and batteries",
        "Elettrificazione e batterie",
    )


def test_urban_has_its_two_named_working_tables(app):
    ensure_reference_data()
    assert _chains_by_cluster()["URBAN"] == {"MOBILITY_TERRITORY", "LOCAL_MARKETS"}


def test_every_value_chain_is_loaded_with_both_names(app):
    ensure_reference_data()
    expected = sum(len(cluster.value_chains) for cluster in CLUSTERS)
    assert expected == 24
    count = db.session.scalar(
        select(func.count())
        .select_from(ValueChain)
        .where(ValueChain.name_en != "", ValueChain.name_it != "")
    )
    assert count == expected


def test_a_second_load_adds_no_rows_and_keeps_the_ids(app):
    ensure_reference_data()
    before = db.session.execute(
        select(ValueChain.id, ValueChain.code).order_by(ValueChain.id)
    ).all()
    ensure_reference_data()
    after = db.session.execute(select(ValueChain.id, ValueChain.code).order_by(ValueChain.id)).all()
    assert after == before
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 9


def test_a_renamed_cluster_and_value_chain_are_updated_in_place(app):
    clusters = ensure_reference_data()
    cluster_id = clusters["MECH"].id
    clusters["MECH"].name_en = "Old name"
    chain = db.session.execute(select(ValueChain).where(ValueChain.code == "NAUTICAL")).scalar_one()
    chain_id = chain.id
    chain.name_it = "Vecchio nome"
    db.session.commit()

    ensure_reference_data()

    mech = db.session.get(Cluster, cluster_id)
    assert mech.name_en == "Mechatronics and Motoristics"
    assert db.session.get(ValueChain, chain_id).name_it == "Nautica"


def test_the_coordinator_is_art_er_a_consortium_in_bologna_created_once(app):
    first = ensure_coordinator()
    db.session.commit()
    second = ensure_coordinator()
    assert second.id == first.id
    assert (first.slug, first.name, first.type, first.city) == (
        "art-er",
        "ART-ER",
        "consortium",
        "Bologna",
    )
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
