"""docker-compose.yml is checked by parsing it: there is no Docker engine here."""

from __future__ import annotations

import tomllib

import yaml

from tests.conftest import PROJECT_ROOT


def test_compose_runs_tutor_with_chroma_and_a_database() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"tutor", "chroma", "db"}
    tutor = services["tutor"]
    assert tutor["environment"]["TUTOR_CHROMA_URL"] == "http://chroma:8000"
    assert tutor["environment"]["TUTOR_DATABASE_URL"].startswith("postgresql")
    assert tutor["depends_on"] == {
        "chroma": {"condition": "service_healthy"},
        "db": {"condition": "service_healthy"},
    }
    for name, service in services.items():
        assert "test" in service["healthcheck"], name
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert '".[postgres]"' in dockerfile  # the driver the database URL names is installed
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    driver = tutor["environment"]["TUTOR_DATABASE_URL"].split("://")[0].split("+")[1]
    extra = pyproject["project"]["optional-dependencies"]["postgres"]
    assert any(requirement.startswith(driver) for requirement in extra)
