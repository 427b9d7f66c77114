"""The Dockerfile and compose.yaml cannot be built here (no Docker engine), so these tests check what can
be checked without one: every path they copy exists, every command and module they run exists, every
setting they set is one config/settings.py reads, and the compose file parses. ``make lint`` also runs
hadolint on the Dockerfile."""

from __future__ import annotations

import importlib.util
import re
import shlex

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

from config.celery import cpu_worker_command, fetch_worker_command
from tests.conftest import REPO

DIGEST_SERVICES = {"web", "worker", "fetcher", "beat", "migrate"}
# Variables for Python and pip themselves, not Digest settings.
NOT_SETTINGS = re.compile(r"^(PYTHON|PIP_)")


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def _setting_names() -> set[str]:
    """Every variable config/settings.py and the management commands read: env.<type>("NAME" ...),
    os.environ.get("NAME" ...), env_or_file("NAME" ...) and env.url("NAME" ...) (which also read NAME_FILE)."""
    files = [REPO / "config" / "settings.py", *(REPO / "reader" / "management" / "commands").glob("*.py")]
    source = "\n".join(path.read_text() for path in files)
    names = set(re.findall(r'\b(?:env\.\w+|os\.environ\.get)\(\s*"([A-Z0-9_]+)"', source))
    from_files = set(re.findall(r'\b(?:env_or_file|env\.url)\(\s*"([A-Z0-9_]+)"', source))
    return names | from_files | {name + "_FILE" for name in from_files}


def _check_command(argv: list[str]) -> None:
    """The program each command runs exists in this repository: ``python -m gunicorn`` with a config
    module and a WSGI app, ``python -m celery -A config worker|beat``, ``python manage.py COMMAND``."""
    if argv[:2] == ["sh", "-c"]:
        for part in re.split(r"&&|;", argv[2]):
            _check_command(shlex.split(part))
        return
    assert argv[0] == "python", argv
    if argv[1:3] == ["-m", "gunicorn"]:
        config = argv[argv.index("--config") + 1]
        assert config.startswith("python:") and importlib.util.find_spec(config.removeprefix("python:")), argv
        module, _, attribute = argv[-1].partition(":")
        assert (REPO / (module.replace(".", "/") + ".py")).is_file() and attribute == "application", argv
    elif argv[1:3] == ["-m", "celery"]:
        assert argv[3:5] == ["-A", "config"] and (REPO / "config" / "celery.py").is_file(), argv
        assert argv[5] in ("worker", "beat", "inspect"), argv
    elif argv[1] == "manage.py":
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
    else:
        raise AssertionError(f"unknown command {argv}")


def test_dockerfile_copies_paths_that_exist_and_runs_as_a_user():
    instructions = _dockerfile()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    copied = []
    for name, arguments in instructions:
        if name == "COPY":
            *sources, _destination = arguments.split()
            copied += sources
    assert copied
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    # Every package and template the app loads is copied.
    for needed in ("manage.py", "config", "reader", "summaries", "templates", "static", "requirements.txt"):
        assert needed in copied, needed
    users = [arguments for name, arguments in instructions if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    names = [name for name, _ in instructions]
    assert names.index("USER") < names.index("CMD")


def test_dockerfile_commands_exist():
    instructions = _dockerfile()
    runs = " ".join(arguments for name, arguments in instructions if name == "RUN")
    assert "pip install --no-cache-dir -r requirements.txt" in runs
    assert "--no-deps -r requirements-nodeps.txt" in runs
    assert "manage.py collectstatic --noinput" in runs
    (cmd,) = [arguments for name, arguments in instructions if name == "CMD"]
    _check_command(yaml.safe_load(cmd))  # the exec form is a JSON list


def test_dockerfile_settings_are_read_by_settings_py():
    names = _setting_names()
    for name, arguments in _dockerfile():
        if name == "ENV":
            for variable in re.findall(r"([A-Z][A-Z0-9_]*)=", arguments):
                assert NOT_SETTINGS.match(variable) or variable in names, f"ENV {variable}: not a setting"


def test_compose_services_and_commands(compose):
    services = compose["services"]
    assert set(services) == DIGEST_SERVICES | {"postgres", "redis"}
    for name in DIGEST_SERVICES:
        assert services[name]["build"] == "." and (REPO / "Dockerfile").is_file()
        _check_command(services[name]["command"])
    # The two workers are the ones rundigest starts (with the default settings), beat in its own service.
    assert services["worker"]["command"] == ["python", *cpu_worker_command(schedule=None, beat=False)[1:]]
    assert services["fetcher"]["command"] == ["python", *fetch_worker_command()[1:]]
    assert services["beat"]["command"][5] == "beat"


def test_compose_healthchecks_use_healthz_and_pg_isready(compose):
    services = compose["services"]
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    url = re.search(r"http://localhost:8000(/\w+)", web_check)
    assert url and resolve(url.group(1)).url_name == "healthz"
    assert "localhost" in services["web"]["environment"]["ALLOWED_HOSTS"].split(",")
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    worker_check = services["worker"]["healthcheck"]["test"][1]
    _check_command(shlex.split(worker_check.replace("$$", "$")))
    for name in DIGEST_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_compose_settings_and_secrets_exist(compose):
    names = _setting_names()
    readme = (REPO / "README.md").read_text()
    declared = set(compose["secrets"])
    for name in DIGEST_SERVICES:
        service = compose["services"][name]
        for variable, value in service["environment"].items():
            assert variable in names, f"{name}: {variable} is not read by config/settings.py"
            assert f"`{variable.removesuffix('_FILE')}" in readme, f"{variable}: not in README's settings"
            if variable.endswith("_FILE"):
                secret = value.removeprefix("/run/secrets/")
                assert secret in service["secrets"] and secret in declared, f"{name}: {variable} -> {value}"
        for secret in service["secrets"]:
            assert compose["secrets"][secret]["file"].startswith("./secrets/")
    postgres = compose["services"]["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "secrets" in (REPO / ".dockerignore").read_text().split()
