"""docker-compose.yml: valid Compose, secrets only from the environment, every name real.

No Docker engine runs here, so the file is checked the way Compose would check it (the specification's
JSON schema, after interpolation) and against the project itself: the settings it sets exist and
validate in production, its commands and healthchecks name real commands and routes.
test_services.py then runs the services outside Docker with the same commands and environments.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import typer
import yaml

from tests.deploy.compose_file import (
    IMAGE_ROOT,
    OUR_SERVICES,
    ROOT,
    MissingVariableError,
    all_references,
    example_variables,
    healthcheck_command,
    host_environment,
    interpolate,
    raw,
    resolved,
    service_environment,
)

SCHEMA = ROOT / "deploy" / "schema" / "compose-spec.json"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY(S|_PATH)?$")
ALLOWED_OTHER_VARIABLES = {"OMP_NUM_THREADS", "PROMETHEUS_MULTIPROC_DIR"}


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No ASKCITY_* of the developer's shell leaks into settings built here."""
    from bot.settings import get_settings as bot_settings
    from records_api.settings import get_settings as records_settings

    for name in list(os.environ):
        if name.startswith("ASKCITY_") and not name.startswith(("ASKCITY_TEST_", "ASKCITY_REQUIRE")):
            monkeypatch.delenv(name)
    bot_settings.cache_clear()
    records_settings.cache_clear()
    yield monkeypatch
    bot_settings.cache_clear()
    records_settings.cache_clear()


# ---- the file is Compose -------------------------------------------------------------------------
def test_the_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(resolved()) == []


@pytest.mark.parametrize(
    ("service", "key", "value"),
    [
        ("bot", "healthchek", {"test": ["CMD", "true"]}),  # a misspelt key
        ("bot", "deploy", {"replicas": "three"}),
        ("records", "depends_on", {"records-db": {"condition": "service_ready"}}),
    ],
)
def test_the_schema_catches_a_broken_service(service: str, key: str, value: object) -> None:
    document = copy.deepcopy(resolved())
    document["services"][service][key] = value
    assert schema_errors(document) != []


def test_every_variable_is_in_the_example_env_file_and_the_file_names_no_other() -> None:
    used = {ref.name for ref in all_references(raw())}
    assert used == set(example_variables())


# ---- secrets ------------------------------------------------------------------------------------
def secret_references() -> list[str]:
    return sorted({ref.name for ref in all_references(raw()) if SECRET_NAME.search(ref.name)})


def test_secrets_are_required_everywhere_they_are_used_and_never_have_a_default() -> None:
    secrets = secret_references()
    assert "ASKCITY_RECORDS_ENCRYPTION_KEY" in secrets and "ASKCITY_POSTGRES_PASSWORD" in secrets
    for ref in all_references(raw()):
        if ref.name in secrets:
            assert ref.operator == ":?", f"${{{ref.name}}} must be written ${{{ref.name}:?message}}"
    example = example_variables()
    assert all(example[name] == "" for name in secrets)


@pytest.mark.parametrize("missing", secret_references())
def test_compose_refuses_to_start_without_each_secret(missing: str) -> None:
    environment = host_environment()
    environment[missing] = ""
    with pytest.raises(MissingVariableError) as refused:
        interpolate(raw(), environment)
    assert refused.value.name == missing


def test_no_service_holds_a_literal_secret() -> None:
    for name, service in raw()["services"].items():
        for variable, value in service_environment(service).items():
            if SECRET_NAME.search(variable) or "PASSWORD" in variable or "AUTH" in variable:
                assert "${" in value, f"{name}: {variable} must come from the environment"


# ---- our services: production settings that exist and validate ------------------------------------
def test_our_services_run_in_production_without_the_dev_identity_provider() -> None:
    services = resolved()["services"]
    for name in OUR_SERVICES:
        env = service_environment(services[name])
        assert env["ASKCITY_ENV"] == "production", name
        assert "ASKCITY_DEV_IDENTITY" not in env, name


def test_every_askcity_variable_of_a_service_is_a_setting_of_that_service() -> None:
    from bot.settings import BotSettings
    from records_api.settings import Settings as RecordsSettings

    services = resolved()["services"]
    for name, settings_class in (
        ("bot", BotSettings),
        ("migrate", BotSettings),
        ("records", RecordsSettings),
    ):
        known = {f"ASKCITY_{field.upper()}" for field in settings_class.model_fields}
        env = service_environment(services[name])
        unknown = {v for v in env if v.startswith("ASKCITY_")} - known
        assert unknown == set(), f"{name}: not settings: {sorted(unknown)}"
        assert {v for v in env if not v.startswith("ASKCITY_")} <= ALLOWED_OTHER_VARIABLES, name


def test_the_bot_settings_validate_in_production_from_the_compose_environment(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    from bot.settings import BotSettings

    compose = resolved()
    env = service_environment(compose["services"]["bot"])
    for variable, value in env.items():
        clean_environment.setenv(variable, value)
    settings = BotSettings()
    assert settings.env == "production"
    assert settings.records_signing_key() is not None
    proxy = compose["services"]["proxy"]["networks"]["edge"]["ipv4_address"]
    assert settings.trusted_proxies == [proxy]
    subnet = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy) in ipaddress.ip_network(subnet)


def test_the_records_settings_validate_in_production_and_know_the_bots_key(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    from bot.settings import BotSettings
    from records_api.settings import Settings as RecordsSettings

    services = resolved()["services"]
    for variable, value in service_environment(services["records"]).items():
        clean_environment.setenv(variable, value)
    records = RecordsSettings()
    assert records.env == "production"
    assert records.jwks_url and not records.dev_identity
    for variable, value in service_environment(services["bot"]).items():
        clean_environment.setenv(variable, value)
    bot = BotSettings()
    assert records.service_keys[bot.records_service_name] == bot.records_signing_key()


def test_files_the_records_service_keeps_are_on_volumes_apart_from_its_database() -> None:
    compose = resolved()
    records = compose["services"]["records"]
    env = service_environment(records)
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in records["volumes"]}
    checkpoint_dir = str(Path(env["ASKCITY_RECORDS_AUDIT_CHECKPOINT_FILE"]).parent)
    assert checkpoint_dir in mounts and env["ASKCITY_DATA_DIR"] in mounts
    assert mounts[checkpoint_dir] not in compose["services"]["records-db"]["volumes"][0]
    (secret,) = records["secrets"]
    assert env["ASKCITY_RECORDS_AUDIT_SIGNING_KEY_FILE"] == f"/run/secrets/{secret}"
    assert secret in compose["secrets"]


def test_the_bot_keeps_its_data_dir_on_the_shared_volume() -> None:
    compose = resolved()
    for name in ("bot", "migrate"):
        service = compose["services"][name]
        env = service_environment(service)
        targets = {volume.split(":")[1] for volume in service["volumes"]}
        assert env["ASKCITY_DATA_DIR"] in targets, name
        assert env["PROMETHEUS_MULTIPROC_DIR"] in service["tmpfs"], name
    bot_volumes = compose["services"]["bot"]["volumes"]
    assert bot_volumes == compose["services"]["migrate"]["volumes"]


# ---- start order and hardening --------------------------------------------------------------------
def test_dependencies_wait_for_health_or_completion() -> None:
    services = resolved()["services"]
    conditions = {
        (name, target): spec["condition"]
        for name, service in services.items()
        for target, spec in (service.get("depends_on") or {}).items()
    }
    for (name, target), condition in conditions.items():
        assert target in services, f"{name} depends on unknown {target}"
        if condition == "service_healthy":
            assert "healthcheck" in services[target], f"{target} has no healthcheck for {name}"
        elif condition == "service_completed_successfully":
            assert services[target]["restart"] == "no", target
        else:
            pytest.fail(f"{name} → {target}: {condition}")
    assert conditions[("bot", "migrate")] == "service_completed_successfully"
    assert conditions[("bot", "redis")] == conditions[("bot", "postgres")] == "service_healthy"
    assert conditions[("records", "records-db")] == "service_healthy"
    assert conditions[("proxy", "bot")] == "service_healthy"
    assert services["bot"]["deploy"]["replicas"] > 1


def test_our_containers_have_a_read_only_root_no_capabilities_and_a_tmp() -> None:
    services = resolved()["services"]
    for name in OUR_SERVICES:
        service = services[name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "/tmp" in service["tmpfs"], name
        assert "user" not in service and "privileged" not in service, name  # the image's non-root user


# ---- commands and healthchecks exist in the project -----------------------------------------------
def check_askcity_command(argv: list[str]) -> None:
    """The Typer subcommand exists and accepts exactly these options."""
    from askcity_cli.main import app

    command: Any = typer.main.get_command(app)
    args = argv[1:]
    while args and hasattr(command, "commands"):
        assert args[0] in command.commands, f"no `askcity {args[0]}`"
        command, args = command.commands[args[0]], args[1:]
    command.make_context("askcity", list(args))  # raises on an unknown option or a bad value


def check_python_command(argv: list[str]) -> None:
    args = argv[1:]
    if args[0] == "-m":
        help_text = subprocess.run(
            [sys.executable, "-m", args[1], "--help"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        for option in (a for a in args[2:] if a.startswith("--")):
            assert option in help_text, f"python -m {args[1]} has no {option}"
    elif args[0] == "-c":
        compile(args[1], "<healthcheck>", "exec")
    else:
        assert args[0].startswith(IMAGE_ROOT + "/"), args[0]
        assert (ROOT / args[0].removeprefix(IMAGE_ROOT + "/")).is_file(), args[0]
        dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
        relative = args[0].removeprefix(IMAGE_ROOT + "/")
        assert f"COPY {relative} {args[0]}" in dockerfile, f"the image does not hold {args[0]}"


@pytest.mark.parametrize("name", OUR_SERVICES)
def test_each_service_command_exists(name: str) -> None:
    argv = resolved()["services"][name]["command"]
    {"askcity": check_askcity_command, "python": check_python_command}[argv[0]](argv)


def answers(service: str, path: str) -> bool:
    """The app (not started: no stores needed) has a GET route at `path`: anything but 404/405."""
    from fastapi.testclient import TestClient

    if service == "bot":
        from bot.api.app import create_app as create_bot_app
        from bot.settings import BotSettings

        app = create_bot_app(BotSettings(env="test"))
    else:
        from records_api.api.app import create_app as create_records_app
        from records_api.settings import Settings

        app = create_records_app(Settings(env="dev"))
    status = TestClient(app, raise_server_exceptions=False).get(path).status_code
    return status not in (404, 405)


def port_of(command: list[str]) -> str:
    return command[command.index("--port") + 1]


@pytest.mark.parametrize("name", ["bot", "records"])
def test_each_healthcheck_calls_a_real_route_on_the_port_the_service_listens_on(name: str) -> None:
    service = resolved()["services"][name]
    argv = healthcheck_command(service)
    check_python_command(argv)
    (url,) = re.findall(r"http://[^'\" ]+", argv[-1])
    parts = urlsplit(url)
    assert str(parts.port) == port_of(service["command"])
    assert answers(name, parts.path)
    assert not answers(name, parts.path + "-no-such-route")  # the check can fail


def test_prometheus_scrapes_real_metrics_routes_on_the_right_ports() -> None:
    compose = resolved()
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    bot, records = jobs["askcity-bot"], jobs["askcity-records"]
    assert answers("bot", bot["metrics_path"])
    assert answers("records", records["metrics_path"])
    assert bot["dns_sd_configs"][0]["names"] == ["bot"]
    assert str(bot["dns_sd_configs"][0]["port"]) == port_of(compose["services"]["bot"]["command"])
    assert records["static_configs"][0]["targets"] == [
        f"records:{port_of(compose['services']['records']['command'])}"
    ]


# ---- the proxy ---------------------------------------------------------------------------------------
def caddy_config(tmp_path: Path) -> dict[str, Any]:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (Debian: apt-get install caddy)")
    env = {**os.environ, "ASKCITY_PUBLIC_HOST": "askcity.springfield.example", "HOME": str(tmp_path)}
    config = ROOT / "deploy" / "Caddyfile"
    validated = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert validated.returncode == 0, validated.stderr[-2000:]
    adapted = subprocess.run(
        [caddy, "adapt", "--config", str(config)], capture_output=True, text=True, env=env, timeout=60
    )
    result: dict[str, Any] = json.loads(adapted.stdout)
    return result


def test_the_caddyfile_is_valid_and_proxies_every_bot_replica(tmp_path: Path) -> None:
    config = json.dumps(caddy_config(tmp_path))
    compose = resolved()
    assert '"source": "a"' in config and '"name": "bot"' in config
    assert f'"port": "{port_of(compose["services"]["bot"]["command"])}"' in config
    assert "askcity.springfield.example" in config


def test_the_proxy_hides_the_metrics_routes(tmp_path: Path) -> None:
    routes = caddy_config(tmp_path)["apps"]["http"]["servers"]["srv0"]["routes"][0]["handle"][0]["routes"]
    hidden = {
        path
        for route in routes
        for match in route.get("match", ())
        for path in match.get("path", ())
        if route["handle"][0]["handler"] == "static_response"
    }
    assert "/api/v1/metrics" in hidden and answers("bot", "/api/v1/metrics")
    assert "/metrics" in hidden
