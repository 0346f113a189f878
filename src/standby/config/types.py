"""Value types of standby.yml: durations, cron schedules, names, storage URIs, environment
variable references. Each validator raises an error that says what to write instead, and
none of them echoes a value that could be a secret.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo
from pydantic_core import PydanticCustomError

from standby.errors import ConfigInvalid, UnsupportedURI
from standby.site_options import is_secret_option
from standby.storage.url import normalize

__all__ = [
    "Duration",
    "EnvName",
    "EnvRef",
    "LocalPath",
    "Name",
    "OptionValue",
    "RootRef",
    "StorageUri",
    "StrictModel",
    "TableRef",
    "UcName",
    "check_cron",
    "format_duration",
    "parse_duration",
    "read_env",
    "reject_literal_secrets",
]

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:\d+[wdhms])+$")
_UC_NAME = re.compile(r"^[^.\s/]+\.[^.\s/]+\.[^.\s/]+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_TOKEN = re.compile(r"^(dapi|dkea|dose|dsapi)[0-9a-f]{16,}", re.IGNORECASE)


def parse_duration(value: object) -> int:
    """Seconds in a duration written `30s`, `15m`, `4h`, `1d`, `2w`, `1h30m`, or a number of
    seconds. Raises a pydantic error (a ValueError) naming the bad value."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text.isdigit() and int(text) > 0:
            return int(text)
        if _DURATION.match(text):
            total = sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([wdhms])", text))
            if total > 0:
                return total
    raise PydanticCustomError(
        "duration", f"{value!r} is not a duration (write e.g. 30s, 15m, 4h, 1d, 2w)"
    )


def format_duration(seconds: int | float) -> str:
    """A number of seconds written as standby.yml writes durations: 900 -> '15m'."""
    rest = int(seconds)
    if rest <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        if rest >= size and unit != "w":
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts)


Duration = Annotated[int, BeforeValidator(parse_duration)]

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {m: i + 1 for i, m in enumerate(_MONTHS)},
    ),
    ("day of week", 0, 7, {d: i for i, d in enumerate(_DAYS)}),
)
_CRON_MACROS = {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}


def check_cron(value: object) -> str:
    """A five-field cron expression (minute hour day-of-month month day-of-week) or a macro
    such as @daily, returned as given; raises a pydantic error naming the bad field."""
    text = value.strip() if isinstance(value, str) else ""
    if text in _CRON_MACROS:
        return text
    fields = text.split()
    if len(fields) != 5:
        raise PydanticCustomError(
            "cron",
            f"{value!r} is not a cron schedule: it needs 5 fields (minute hour day-of-month "
            "month day-of-week), e.g. '0 2 * * *', or a macro such as @daily",
        )
    for field, (label, lo, hi, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in field.split(","):
            base, slash, step = part.partition("/")
            bounds = [] if base == "*" else base.split("-", 1)
            values = [int(b) if b.isdigit() else names.get(b.lower(), -1) for b in bounds]
            bad_step = slash and not (step.isdigit() and int(step) > 0)
            if bad_step or not all(lo <= v <= hi for v in values):
                raise PydanticCustomError(
                    "cron", f"{value!r}: '{part}' is not a valid {label} ({lo}-{hi})"
                )
    return text


def _name(value: object) -> str:
    if isinstance(value, str) and _NAME.match(value):
        return value
    raise PydanticCustomError(
        "name", f"{value!r} is not a valid name: use letters, digits, '-' and '_'"
    )


Name = Annotated[str, BeforeValidator(_name)]


def _env_name(value: object) -> str:
    if isinstance(value, str) and _ENV_NAME.match(value) and not _LOOKS_LIKE_TOKEN.match(value):
        return value
    # Never echo the value: it may be the secret itself, written where its name belongs.
    raise PydanticCustomError(
        "env_name",
        "this is not an environment variable name (letters, digits and _); write the NAME "
        "of the variable that holds the secret, never the secret itself",
    )


EnvName = Annotated[str, BeforeValidator(_env_name)]


class StrictModel(BaseModel):
    """Base of every model of standby.yml: unknown fields are errors, instances are frozen,
    and pydantic's own messages never echo an input (it could be a secret)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class EnvRef(StrictModel):
    """`{env: NAME}`: a value read from the environment when it is used, never stored."""

    env: EnvName


def read_env(name: str, field: str) -> str:
    """The value of an environment variable that standby.yml names; ConfigInvalid if unset."""
    value = os.environ.get(name)
    if not value:
        raise ConfigInvalid(
            f"The environment variable {name} (named by {field} in standby.yml) is not set.",
            hint=f"Export {name} before running standby.",
        )
    return value


def _option_value(value: object) -> object:
    if isinstance(value, EnvRef):
        return value
    if isinstance(value, dict) and set(value) == {"env"}:
        return EnvRef(env=_env_name(value["env"]))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise PydanticCustomError(
        "option", "write a plain value, or {env: VAR_NAME} to read it from the environment"
    )


OptionValue = Annotated[str | EnvRef, BeforeValidator(_option_value)]


def reject_literal_secrets(value: Any) -> Any:
    """Refuse a literal value under a key that holds a credential (…_secret_…, …_key, token,
    sas, password): it must be an `{env: NAME}` reference. The value is never echoed."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and is_secret_option(key) and not isinstance(item, dict):
                raise PydanticCustomError(
                    "literal_secret",
                    f"'{key}' looks like a credential and is written as a literal; write "
                    f"{key}: {{env: VAR_NAME}} and keep the value in the environment",
                )
    return value


def _base_dir(info: ValidationInfo) -> Path | None:
    base = (info.context or {}).get("base_dir")
    return Path(base) if base else None


def _local(text: str, info: ValidationInfo) -> str:
    """A local path, relative ones resolved against the config file's directory."""
    path = Path(os.path.expanduser(text))
    base = _base_dir(info)
    if not path.is_absolute() and base is not None:
        path = base / path
    return os.path.abspath(path)


def _storage_uri(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError(
            "uri", "a storage URI is required: s3://bucket/prefix, abfss://..., gs://... or a path"
        )
    text = value.strip()
    if "://" not in text:
        return normalize(_local(text, info))
    parsed = urlparse(text)
    if parsed.password is not None or parsed.query:
        raise PydanticCustomError(
            "uri",
            "credentials in a storage URI are not allowed (user:password or a query string "
            "such as a SAS token); put them in storage_options as {env: VAR_NAME}",
        )
    try:
        return normalize(text)
    except UnsupportedURI as e:
        raise PydanticCustomError("uri", str(e)) from None


StorageUri = Annotated[str, BeforeValidator(_storage_uri)]


def _local_path(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("path", "a file path is required")
    return _local(value.strip(), info)


LocalPath = Annotated[str, BeforeValidator(_local_path)]


def _root_ref(value: object, info: ValidationInfo) -> str:
    if isinstance(value, str) and ("/" in value or "\\" in value or value.startswith("~")):
        return _storage_uri(value, info)
    return _name(value)


def _uc_name(value: object) -> str:
    if isinstance(value, str) and _UC_NAME.match(value):
        return value
    raise PydanticCustomError(
        "table_name",
        f"{value!r} is not a Unity Catalog name; write catalog.schema.table "
        "(globs such as production.sales.* are allowed)",
    )


# A Unity Catalog table name, or a glob over names (`production.sales.*`).
UcName = Annotated[str, BeforeValidator(_uc_name)]


def _table_ref(value: object, info: ValidationInfo) -> str:
    if isinstance(value, str) and ("/" in value or "\\" in value or value.startswith("~")):
        return _storage_uri(value, info)
    return _uc_name(value)


# A table by Unity Catalog name or glob, or by storage location (a URI or a path).
TableRef = Annotated[str, BeforeValidator(_table_ref)]

# A storage root by name (`backup`) or a URI / path (`s3://backups/standby`, `./backups`).
RootRef = Annotated[str, BeforeValidator(_root_ref)]
