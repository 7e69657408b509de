"""Read and validate the TOML configuration into frozen dataclasses.

Precedence is built here, in one place: flag > environment variable > file > default.
Every problem becomes a ConfigError whose one-line message names the file, the source and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harvester.errors import ConfigError
from harvester.models import MAX_PAGE_SIZE, Config, ServeSettings, Settings, Source

DEFAULT_CONFIG_PATH = Path("config/sources.toml")
ENV_CONFIG = "HARVESTER_CONFIG"
ENV_DB = "HARVESTER_DB"

# ISO 3166-1 alpha-2, officially assigned codes.
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI
    BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
    CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
    FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a compact, greppable table
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

# Global keys: name -> (expected python type(s), type name for messages).
SETTING_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "database": ((str,), "a string"),
    "user_agent": ((str,), "a string"),
    "timeout": ((int, float), "a number"),
    "max_retries": ((int,), "an integer"),
    "delay": ((int, float), "a number"),
    "backoff": ((int, float), "a number"),
    "max_retry_after": ((int, float), "a number"),
    "max_response_bytes": ((int,), "an integer"),
    "max_requests_per_window": ((int,), "an integer"),
    "max_empty_pages": ((int,), "an integer"),
    "jobs": ((int,), "an integer"),
}

SOURCE_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "a string"),
    "title": ((str,), "a string"),
    "institution": ((str,), "a string"),
    "country": ((str,), "a string"),
    "endpoint": ((str,), "a string"),
    "metadata_prefix": ((str,), "a string"),
    "sets": ((list,), "a list of strings"),
    "enabled": ((bool,), "true or false"),
    "default_language": ((str,), "a string"),
    "priority": ((int,), "an integer"),
}

SERVE_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "host": ((str,), "a string"),
    "port": ((int,), "an integer"),
    "base_url": ((str,), "a string"),
    "repository_name": ((str,), "a string"),
    "repository_identifier": ((str,), "a string"),
    "admin_email": ((str,), "a string"),
    "page_size": ((int,), "an integer"),
}
# The oai-identifier scheme: a domain name of the repository's owner.
REPOSITORY_IDENTIFIER = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$")
# What OAI-PMH.xsd accepts as an adminEmail.
EMAIL = re.compile(r"^\S+@(\S+\.)+\S+$")
TABLES = ("sources", "serve")

assert set(SETTING_TYPES) == {f.name for f in fields(Settings)}
assert set(SERVE_TYPES) == {f.name for f in fields(ServeSettings)}
assert set(SOURCE_TYPES) == {f.name for f in fields(Source)}


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """The config file to read when no --config flag is given."""
    env = os.environ if env is None else env
    return Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else DEFAULT_CONFIG_PATH


def load_config(
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    database: Path | str | None = None,
    jobs: int | None = None,
) -> Config:
    """Read, validate and resolve a config file; flags given here win over env and file."""
    env = os.environ if env is None else env
    path = Path(path) if path is not None else default_config_path(env)
    data = _read_toml(path)
    where = str(path)
    settings = _parse_settings(data, where)
    sources = _parse_sources(data.get("sources", []), where)
    serve = _parse_serve(data.get("serve", {}), where)
    if env.get(ENV_DB):
        settings = replace(settings, database=Path(env[ENV_DB]))
    if database is not None:
        settings = replace(settings, database=Path(database))
    if jobs is not None:
        _check_positive(jobs, where, "jobs")
        settings = replace(settings, jobs=jobs)
    return Config(settings=settings, sources=sources, path=path, serve=serve)


def load_config_or_defaults(
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    database: Path | str | None = None,
) -> Config:
    """For commands that only read the index: a missing default config file means defaults.

    An explicitly named file (flag or HARVESTER_CONFIG) must exist.
    """
    env = os.environ if env is None else env
    named = path is not None or bool(env.get(ENV_CONFIG))
    if named or DEFAULT_CONFIG_PATH.exists():
        return load_config(path, env=env, database=database)
    settings = Settings()
    if env.get(ENV_DB):
        settings = replace(settings, database=Path(env[ENV_DB]))
    if database is not None:
        settings = replace(settings, database=Path(database))
    return Config(settings=settings, sources=(), path=None)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found; pass --config FILE or set {ENV_CONFIG} "
            "(config/sources.example.toml documents every key; `harvester demo` writes one)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not valid UTF-8") from None


def _check_type(value: Any, expected: tuple[tuple[type, ...], str], where: str, key: str) -> None:
    types, type_name = expected
    # bool is an int subclass in Python; TOML true must not pass as a number.
    if isinstance(value, bool) and bool not in types:
        raise ConfigError(f"{where}: key {key!r} must be {type_name}, not {value!r}")
    if not isinstance(value, types):
        raise ConfigError(f"{where}: key {key!r} must be {type_name}, not {value!r}")


def _check_positive(value: float, where: str, key: str, *, allow_zero: bool = False) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "greater than zero"
        raise ConfigError(f"{where}: key {key!r} must be {bound}, not {value!r}")


def _parse_settings(data: dict[str, Any], where: str) -> Settings:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in TABLES:
            continue
        if key not in SETTING_TYPES:
            known = ", ".join(sorted([*SETTING_TYPES, *TABLES]))
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        _check_type(value, SETTING_TYPES[key], where, key)
        values[key] = value
    for key in ("timeout", "jobs", "max_response_bytes", "max_requests_per_window"):
        if key in values:
            _check_positive(values[key], where, key)
    for key in ("delay", "backoff", "max_retry_after", "max_retries", "max_empty_pages"):
        if key in values:
            _check_positive(values[key], where, key, allow_zero=True)
    if "database" in values:
        values["database"] = Path(values["database"])
    return Settings(**values)


def _parse_sources(raw: Any, where: str) -> tuple[Source, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(f"{where}: 'sources' must be a list of [[sources]] tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for position, table in enumerate(raw, start=1):
        source = _parse_source(table, where, position)
        if source.name in seen:
            raise ConfigError(f"{where}: source {source.name!r}: key 'name' is a duplicate")
        seen.add(source.name)
        sources.append(source)
    return tuple(sources)


def _parse_source(table: dict[str, Any], where: str, position: int) -> Source:
    name = table.get("name")
    label = f"source {name!r}" if isinstance(name, str) else f"source #{position}"
    context = f"{where}: {label}"
    for key, value in table.items():
        if key not in SOURCE_TYPES:
            known = ", ".join(sorted(SOURCE_TYPES))
            raise ConfigError(f"{context}: unknown key {key!r} (known keys: {known})")
        _check_type(value, SOURCE_TYPES[key], context, key)
    for key in ("name", "endpoint"):
        if key not in table:
            raise ConfigError(f"{context}: key {key!r} is required")
    if not SLUG.match(table["name"]):
        raise ConfigError(
            f"{context}: key 'name' must be a slug (lower-case letters, digits, '-' or '_')"
        )
    _check_endpoint(table["endpoint"], context)
    values = dict(table)
    if "country" in values:
        values["country"] = _check_country(values["country"], context)
    if "sets" in values:
        values["sets"] = _check_sets(values["sets"], context)
    if not values.get("metadata_prefix", "oai_dc").strip():
        raise ConfigError(f"{context}: key 'metadata_prefix' must not be empty")
    if "default_language" in values:
        _check_language(values["default_language"], context)
    values.setdefault("priority", position)
    return Source(**values)


def _check_language(value: str, context: str) -> None:
    """A default language that names no language would be accepted and then ignored."""
    from harvester.normalise.languages import normalise_language  # lazy: start-up time

    if not value.strip():
        raise ConfigError(f"{context}: key 'default_language' must not be empty")
    if normalise_language(value) is None:
        raise ConfigError(
            f"{context}: key 'default_language': {value!r} is not a language; "
            "use an ISO 639 code or an English name, e.g. eng, ru or Persian"
        )


def _check_endpoint(endpoint: str, context: str) -> None:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{context}: key 'endpoint' must be an http or https URL, not {endpoint!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"{context}: key 'endpoint' must be the base URL without '?' arguments, "
            f"not {endpoint!r}"
        )


def _check_country(country: str, context: str) -> str:
    code = country.strip().upper()
    if code not in COUNTRY_CODES:
        raise ConfigError(
            f"{context}: key 'country' must be an ISO 3166-1 alpha-2 code, not {country!r}"
        )
    return code


def _check_sets(sets: list[Any], context: str) -> tuple[str, ...]:
    if not all(isinstance(s, str) and s.strip() for s in sets):
        raise ConfigError(f"{context}: key 'sets' must be a list of non-empty strings")
    if len(set(sets)) != len(sets):
        raise ConfigError(f"{context}: key 'sets' lists a set twice")
    return tuple(sets)


def _parse_serve(table: Any, where: str) -> ServeSettings:
    """The optional [serve] table of `harvester serve`."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'serve' must be a [serve] table")
    context = f"{where}: [serve]"
    for key, value in table.items():
        if key not in SERVE_TYPES:
            known = ", ".join(sorted(SERVE_TYPES))
            raise ConfigError(f"{context}: unknown key {key!r} (known keys: {known})")
        _check_type(value, SERVE_TYPES[key], context, key)
    values = dict(table)
    if not 0 <= values.get("port", 0) <= 65535:
        raise ConfigError(
            f"{context}: key 'port' must be between 0 and 65535, not {values['port']}"
        )
    if not 1 <= values.get("page_size", 1) <= MAX_PAGE_SIZE:
        raise ConfigError(
            f"{context}: key 'page_size' must be between 1 and {MAX_PAGE_SIZE}, "
            f"not {values['page_size']}"
        )
    if "host" in values and not values["host"].strip():
        raise ConfigError(f"{context}: key 'host' must not be empty")
    if values.get("base_url"):
        _check_base_url(values["base_url"], context)
    identifier = values.get("repository_identifier")
    if identifier is not None and not REPOSITORY_IDENTIFIER.match(identifier):
        raise ConfigError(
            f"{context}: key 'repository_identifier' must be a domain name such as "
            f"'library.example.org', not {identifier!r}"
        )
    email = values.get("admin_email")
    if email is not None and not EMAIL.match(email):
        raise ConfigError(f"{context}: key 'admin_email' must be an e-mail address, not {email!r}")
    name = values.get("repository_name")
    if name is not None and not name.strip():
        raise ConfigError(f"{context}: key 'repository_name' must not be empty")
    return ServeSettings(**values)


def _check_base_url(url: str, context: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            f"{context}: key 'base_url' must be an http or https URL without '?', not {url!r}"
        )
