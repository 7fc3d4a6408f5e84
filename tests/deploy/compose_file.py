"""`docker-compose.yml` read as Compose reads it: YAML (anchors and merge keys), then `${VAR}`
interpolation with Compose's rules, so the tests see what `docker compose config` would."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "askcity.env.example"
OUR_SERVICES = ("bot", "migrate", "records")  # built from our Dockerfile
IMAGE_ROOT = "/opt/askcity"  # where the Dockerfile copies deploy/ in the image

_REFERENCE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-|:\?|\?|:\+|\+)(?P<arg>.*))?$", re.S)


class MissingVariableError(ValueError):
    """A `${VAR:?message}` (or `${VAR?message}`) whose variable is unset (or empty)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"required variable {name} is missing a value: {message}")
        self.name = name


@dataclass(frozen=True)
class Reference:
    name: str
    operator: str  # "", ":-", "-", ":?", "?", ":+", "+"
    argument: str


def references(text: str) -> list[Reference]:
    """Every `${...}` / `$NAME` in a string (not `$$`)."""
    found = []
    for match in _REFERENCE.finditer(text):
        if match.group("escaped"):
            continue
        if match.group("named"):
            found.append(Reference(match.group("named"), "", ""))
            continue
        braced = _BRACED.match(match.group("braced"))
        if braced is None:
            raise ValueError(f"invalid interpolation: ${{{match.group('braced')}}}")
        found.append(Reference(braced.group("name"), braced.group("op") or "", braced.group("arg") or ""))
    return found


def interpolate_text(text: str, environment: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("named"):
            return environment.get(match.group("named"), "")
        ref = references(match.group(0))[0]
        value = environment.get(ref.name)
        if ref.operator in (":?", "?"):
            if value is None or (ref.operator == ":?" and value == ""):
                raise MissingVariableError(ref.name, ref.argument)
            return value
        if ref.operator == ":-":
            return value if value else ref.argument
        if ref.operator == "-":
            return value if value is not None else ref.argument
        if ref.operator == ":+":
            return ref.argument if value else ""
        if ref.operator == "+":
            return ref.argument if value is not None else ""
        return value or ""

    return _REFERENCE.sub(replace, text)


def interpolate(node: Any, environment: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate_text(node, environment)
    if isinstance(node, list):
        return [interpolate(item, environment) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, environment) for key, value in node.items()}
    return node


def raw() -> dict[str, Any]:
    """The file as YAML, anchors and merge keys resolved, nothing interpolated."""
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def all_references(node: Any) -> list[Reference]:
    if isinstance(node, str):
        return references(node)
    if isinstance(node, list):
        return [ref for item in node for ref in all_references(item)]
    if isinstance(node, dict):
        return [ref for value in node.values() for ref in all_references(value)]
    return []


def example_variables() -> dict[str, str]:
    """The variables deploy/askcity.env.example names, with their example values (often empty)."""
    names: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            names[name.strip()] = value.strip()
    return names


def secret() -> str:
    return secrets.token_urlsafe(32)


def host_environment(**overrides: str) -> dict[str, str]:
    """What an operator's deploy/askcity.env holds: the example's defaults, the city's values and fresh
    secrets (URL-safe base64 of 32 random bytes, as the example says to make them)."""
    values = {name: value for name, value in example_variables().items() if value}
    values |= {
        "ASKCITY_PUBLIC_HOST": "askcity.springfield.example",
        "ASKCITY_CITY_NAME": "Springfield",
        "ASKCITY_CITY_URL": "https://www.springfield.example",
        "ASKCITY_DEFAULT_CONTACT": "the Springfield contact centre: call 311",
        "ASKCITY_CITY_DOMAINS": "springfield.example",
        "ASKCITY_ALLOWED_LINK_HOSTS": '["www.springfield.example"]',
        "ASKCITY_CORS_ORIGINS": '["https://www.springfield.example"]',
        "ASKCITY_LOGIN_URL": "https://id.springfield.example/login",
        "ASKCITY_JWT_ISSUER": "https://id.springfield.example/realms/residents",
        "ASKCITY_JWKS_URL": "https://id.springfield.example/realms/residents/protocol/openid-connect/certs",
        "ASKCITY_POSTGRES_PASSWORD": secrets.token_hex(16),
        "ASKCITY_RECORDS_POSTGRES_PASSWORD": secrets.token_hex(16),
        "ASKCITY_REDIS_PASSWORD": secrets.token_hex(16),
        "ASKCITY_RECORDS_ENCRYPTION_KEY": secret(),
        "ASKCITY_RECORDS_HMAC_KEY": secret(),
        "ASKCITY_RECORDS_SERVICE_KEY": secret(),
        "ASKCITY_LOG_HASH_KEY": secret(),
        "ASKCITY_RECORDS_AUDIT_SIGNING_KEY_PATH": "/srv/askcity/records-audit-signing-key.pem",
    }
    return values | overrides


def resolved(environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The whole file interpolated with `environment` (default: a complete operator's env)."""
    result = interpolate(raw(), host_environment() if environment is None else environment)
    assert isinstance(result, dict)
    return result


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def healthcheck_command(service: Mapping[str, Any]) -> list[str]:
    """The healthcheck's test as argv (`CMD` form), or `["sh", "-c", ...]` (`CMD-SHELL`)."""
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return ["sh", "-c", test]
    kind, *argv = test
    return ["sh", "-c", argv[0]] if kind == "CMD-SHELL" else list(argv)
