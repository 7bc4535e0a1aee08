"""Production refuses settings that would fail quietly later."""

import pytest

from config import ProductionConfig

STRONG_SECRET = "0123456789abcdef" * 4


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", STRONG_SECRET)
    monkeypatch.setattr(ProductionConfig, "SERVER_NAME", "booking.example.org")
    return ProductionConfig


def test_production_starts_with_a_strong_secret_and_a_server_name(production):
    production.check()


def test_production_refuses_a_short_secret(production, monkeypatch):
    monkeypatch.setattr(production, "SECRET_KEY", "too-short")

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production.check()


def test_production_refuses_to_start_without_a_server_name(production, monkeypatch):
    monkeypatch.setattr(production, "SERVER_NAME", None)

    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        production.check()
