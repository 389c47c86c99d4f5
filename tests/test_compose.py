"""docker-compose.yml, deploy/nginx.conf and the Dockerfile, checked by parsing them: there is
no Docker engine here. What a school's stack needs: every long-running service healthy-checked
and restarted, the replicas started only after the one-shot migrate job succeeded, nginx sending
to exactly the replicas compose runs (SSE unbuffered, /metrics kept inside), the image not root
and carrying what `tutor eval` reads. With a compose v2 client on the PATH (`docker compose` or
`docker-compose`), `docker compose config` must validate the file too."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import crossplane
import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from tutor.config import Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
NGINX = PROJECT_ROOT / "deploy" / "nginx.conf"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
LONG_RUNNING_RESTARTS = {"always", "unless-stopped", "on-failure"}
Directive = dict[str, Any]


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _replicas() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in _services().items() if _command(s).startswith("tutor serve")}


def _option(command: str, name: str) -> str:
    match = re.search(rf"--{name}[ =](\S+)", command)
    assert match, (command, name)
    return match.group(1)


def _nginx() -> list[Directive]:
    parsed = crossplane.parse(str(NGINX), catch_errors=True)
    assert parsed["status"] == "ok", parsed["errors"]
    directives: list[Directive] = parsed["config"][0]["parsed"]
    return directives


def _walk(directives: list[Directive], name: str) -> list[Directive]:
    found = []
    for directive in directives:
        if directive["directive"] == name:
            found.append(directive)
        found += _walk(directive.get("block", []), name)
    return found


def _location(path: str) -> Directive:
    for location in _walk(_nginx(), "location"):
        if location["args"][-1] == path:
            return location
    raise AssertionError(f"no location {path}")


def _inside(location: Directive, name: str) -> list[str]:
    return next(d["args"] for d in location["block"] if d["directive"] == name)


def test_a_school_runs_nginx_replicas_migrate_postgres_and_chroma() -> None:
    services = _services()
    replicas = _replicas()
    assert len(replicas) >= 2
    assert set(services) == {"proxy", "migrate", "db", "chroma", "prometheus", *replicas}
    assert services["prometheus"]["profiles"] == ["monitoring"]  # only when asked for
    assert services["proxy"]["image"].startswith("nginx:")
    assert services["db"]["image"].startswith("postgres:")
    assert _command(services["chroma"]).startswith("chroma run")


def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy() -> None:
    for name, service in _services().items():
        if name == "migrate":  # the one-shot job: runs once, is not restarted
            assert service["restart"] == "no"
            assert "healthcheck" not in service
            continue
        assert service["restart"] in LONG_RUNNING_RESTARTS, name
        assert service["healthcheck"]["test"], name


def test_the_healthchecks_ask_what_each_service_is_for() -> None:
    services = _services()
    for name, replica in _replicas().items():
        port = _option(_command(replica), "port")
        probe = " ".join(replica["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/ready" in probe, name  # database and index, not mere liveness
    chroma = services["chroma"]
    heartbeat = f"127.0.0.1:{_option(_command(chroma), 'port')}/api/v2/heartbeat"
    assert heartbeat in " ".join(chroma["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "/nginx-health" in " ".join(services["proxy"]["healthcheck"]["test"])
    assert "/-/healthy" in " ".join(services["prometheus"]["healthcheck"]["test"])
    assert _location("/nginx-health")


def test_replicas_start_after_migrate_and_index_succeeded() -> None:
    services = _services()
    migrate = _command(services["migrate"])
    assert re.search(r"tutor migrate && tutor index\b", migrate)
    assert services["migrate"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "chroma": {"condition": "service_healthy"},
    }
    for name, replica in _replicas().items():
        assert replica["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "db": {"condition": "service_healthy"},
            "chroma": {"condition": "service_healthy"},
        }, name
        assert "index" not in _command(replica)  # no replica indexes at start any more


def test_replicas_and_migrate_share_the_database_and_the_chroma_server() -> None:
    services = _services()
    chroma_port = _option(_command(services["chroma"]), "port")
    jobs = {**_replicas(), "migrate": services["migrate"]}
    urls = {name: service["environment"]["TUTOR_DATABASE_URL"] for name, service in jobs.items()}
    assert len(set(urls.values())) == 1
    for service in jobs.values():
        environment = service["environment"]
        assert environment["TUTOR_CHROMA_URL"] == f"http://chroma:{chroma_port}"
        assert environment["TUTOR_LOG_FORMAT"] == "json"
        Settings(**{k.removeprefix("TUTOR_").lower(): v for k, v in environment.items()
                    if k.startswith("TUTOR_")})  # fmt: skip  # every value is a valid setting
    url = next(iter(urls.values()))
    assert re.fullmatch(r"postgresql\+\w+://tutor:[^@]+@db:5432/tutor", url)
    driver = url.split("://")[0].split("+")[1]
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    extra = pyproject["project"]["optional-dependencies"]["postgres"]
    assert any(requirement.startswith(driver) for requirement in extra)
    assert '".[postgres]"' in DOCKERFILE.read_text()  # the image installs that driver


def test_nginx_sends_to_exactly_the_replicas_compose_runs() -> None:
    proxy = _services()["proxy"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert set(proxy["depends_on"]) == set(_replicas())
    (upstream,) = _walk(_nginx(), "upstream")
    servers = {d["args"][0] for d in upstream["block"] if d["directive"] == "server"}
    expected = {f"{name}:{_option(_command(s), 'port')}" for name, s in _replicas().items()}
    assert servers == expected
    passes = {tuple(d["args"]) for d in _walk(_nginx(), "proxy_pass")}
    assert passes == {(f"http://{upstream['args'][0]}",)}


def test_nginx_streams_server_sent_events_and_waits_for_the_model() -> None:
    chat = _location("/v1/chat/completions")
    messages = next(
        location for location in _walk(_nginx(), "location")
        if location["args"][0] == "~" and re.search(location["args"][1], "/v1/sessions/s1/messages")
    )  # fmt: skip
    assert not re.search(messages["args"][1], "/v1/sessions/s1/messages/old")
    for location in (chat, messages):
        assert _inside(location, "proxy_buffering") == ["off"]
    (server,) = [d for d in _walk(_nginx(), "server") if "block" in d]
    (read_timeout,) = [
        d["args"][0] for d in server["block"] if d["directive"] == "proxy_read_timeout"
    ]
    seconds = int(read_timeout.removesuffix("s"))
    assert seconds > Settings.model_fields["llm_timeout"].default  # a model call fits


def test_prometheus_scrapes_exactly_the_replicas_compose_runs() -> None:
    prometheus = _services()["prometheus"]
    assert "./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert all(port.startswith("127.0.0.1:") for port in prometheus["ports"])  # not the network
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    targets = {t for group in job["static_configs"] for t in group["targets"]}
    assert targets == {f"{name}:{_option(_command(s), 'port')}" for name, s in _replicas().items()}


def test_nginx_passes_the_request_id_and_keeps_metrics_inside() -> None:
    headers = {tuple(d["args"][:1]): d["args"][1] for d in _walk(_nginx(), "proxy_set_header")}
    assert headers[("X-Request-ID",)] == "$tutor_request_id"
    (mapping,) = _walk(_nginx(), "map")
    assert mapping["args"] == ["$http_x_request_id", "$tutor_request_id"]
    assert _inside(_location("/metrics"), "return") == ["404"]


def test_nginx_conf_has_no_directive_nginx_would_refuse() -> None:
    """NGINX's own parser, strict: unknown directives, wrong blocks and argument counts. The
    lines of a ``map`` block are values, not directives, and are left to it."""
    mapped = {d["line"] for m in _walk(_nginx(), "map") for d in m["block"]}
    strict = crossplane.parse(str(NGINX), catch_errors=True, strict=True)
    errors = [e for e in strict["errors"] if e["line"] not in mapped]
    assert not errors, errors


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_runs_as_a_user_of_its_own_and_carries_the_evals() -> None:
    instructions = _dockerfile()
    users = [args for name, args in instructions if name == "USER"]
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert any(name == "RUN" and "useradd" in args and user in args for name, args in instructions)
    copied = {args.split()[0] for name, args in instructions if name == "COPY"}
    assert {"evals", "corpus", "prompts", "tutor"} <= copied
    (command,) = [args for name, args in instructions if name == "CMD"]
    assert "serve" in command
    # the folders the service writes belong to that user
    chowned = " ".join(args for name, args in instructions if name == "RUN" and "chown" in args)
    for folder in ("/data", "/chroma"):
        assert folder in chowned


def test_the_build_context_leaves_local_state_out() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", ".tutor-data", "tutor.env"} <= set(ignored)


def _compose_client() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if binary := shutil.which("docker-compose"):
        probe = subprocess.run([binary, "version"], capture_output=True, text=True)
        if probe.returncode == 0 and "v2." in probe.stdout:
            return [binary]
    return None


@pytest.mark.skipif(_compose_client() is None, reason="no docker compose v2 client here")
def test_docker_compose_config_validates(tmp_path: Path) -> None:
    client = _compose_client()
    assert client is not None
    result = subprocess.run(
        [*client, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True, text=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
