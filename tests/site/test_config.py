import pytest

from greensmile import create_app
from greensmile.config import ConfigError, ProductionConfig, development_secret_key, load_config


def test_create_app_takes_a_config_override():
    app = create_app({"PUBLIC_BASE_URL": "https://greensmile.example", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PUBLIC_BASE_URL"] == "https://greensmile.example"
    assert app.testing  # the rest comes from the APP_ENV profile (testing, in the suite)


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(ProductionConfig)


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        load_config(ProductionConfig)


def test_production_with_a_key_starts_with_secure_cookies(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 40)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", "https://greensmile.example.org")
    config = load_config(ProductionConfig)
    assert config["SESSION_COOKIE_SECURE"] and not config["DEBUG"]


def test_production_refuses_to_start_without_its_public_address(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 40)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", "")
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(ProductionConfig)


def test_in_development_links_and_qr_codes_follow_the_port_being_served(monkeypatch):
    from greensmile import create_app
    from greensmile.urls import public_base, public_url

    app = create_app({"PUBLIC_BASE_URL": "", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context("/", base_url="http://127.0.0.1:5101"):
        assert public_url("public.plot", code="ABC123") == "http://127.0.0.1:5101/p/ABC123"
    monkeypatch.setenv("PORT", "5101")
    with app.app_context():  # a command run beside `PORT=5101 make run`
        assert public_base() == "http://127.0.0.1:5101"
    configured = create_app({"PUBLIC_BASE_URL": "https://greensmile.example.org/", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with configured.test_request_context("/", base_url="http://127.0.0.1:5101"):
        assert public_url("public.plot", code="ABC123") == "https://greensmile.example.org/p/ABC123"


def test_development_key_is_generated_once_and_kept(tmp_path):
    first = development_secret_key(tmp_path)
    assert len(first) == 64
    assert development_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_short_forms_use_psycopg3(monkeypatch):
    from greensmile.config import normalise_database_url

    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unknown_app_env_is_refused(monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config()
