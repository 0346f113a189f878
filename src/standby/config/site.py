"""Sites of standby.yml: a workspace reached with databricks-sdk's unified auth, named
storage roots with their options, and an optional DNS record.

No secret value is ever held here: a token or a storage key is named by the environment
variable that holds it, and read only when a client or a store is made.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from standby.config.types import (
    EnvName,
    EnvRef,
    Name,
    OptionValue,
    StorageUri,
    StrictModel,
    read_env,
    reject_literal_secrets,
)
from standby.storage.url import normalize

__all__ = ["Dns", "Site", "Workspace"]

_CLOUD_PREFIXES = ("aws_", "azure_", "google_")
_Model = StrictModel


class Workspace(_Model):
    """A Databricks workspace (or a local sandbox) reached with the SDK's unified auth."""

    kind: Literal["databricks", "sandbox"] = "databricks"
    host: str | None = None
    profile: str | None = None
    token_env: EnvName | None = None
    client_id: str | None = None
    client_secret_env: EnvName | None = None
    auth_type: str | None = None
    # Traps: a literal secret is refused with a message that says what to write instead.
    token: Annotated[str | None, Field(exclude=True, repr=False)] = None
    client_secret: Annotated[str | None, Field(exclude=True, repr=False)] = None

    @field_validator("token", "client_secret", mode="before")
    @classmethod
    def _no_literal_secret(cls, value: object, info: ValidationInfo) -> None:
        if value is not None:
            raise PydanticCustomError(
                "literal_secret",
                f"a literal secret is not allowed here; put it in an environment variable "
                f"and give that variable's name as {info.field_name}_env",
            )
        return None

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        ok = ("https://",) if info.data.get("kind") == "databricks" else ("http://", "https://")
        if not value.startswith(ok) or len(value) <= len("https://"):
            raise PydanticCustomError(
                "host", f"'{value}' is not a workspace URL; write {ok[-1]}<host>"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _reachable(self) -> Workspace:
        if self.kind == "sandbox" and not self.host:
            raise PydanticCustomError("host", "a sandbox workspace needs host: its http:// URL")
        if not self.host and not self.profile:
            raise PydanticCustomError(
                "workspace", "give host (the workspace URL) or profile (from ~/.databrickscfg)"
            )
        return self

    def env_names(self) -> list[str]:
        """The environment variables this workspace reads secrets from."""
        return [n for n in (self.token_env, self.client_secret_env) if n]

    def client_kwargs(self) -> dict[str, str]:
        """Keyword arguments for `databricks.sdk.WorkspaceClient`, secrets read from the env now.

        The result holds secret values: hand it straight to the SDK, never log it.
        Raises ConfigInvalid when a named environment variable is not set.
        """
        kwargs: dict[str, str] = {}
        for key in ("host", "profile", "client_id", "auth_type"):
            if getattr(self, key):
                kwargs[key] = getattr(self, key)
        if self.token_env:
            kwargs["token"] = read_env(self.token_env, "token_env")
        if self.client_secret_env:
            kwargs["client_secret"] = read_env(self.client_secret_env, "client_secret_env")
        return kwargs


class Dns(_Model):
    """The DNS record a failover points at the surviving site (the guide's section 5.1):
    `record` is the name users connect to, `target` this site's endpoint. route53 needs
    `zone`; command takes `options.command` (run with STANDBY_DNS_RECORD/_OLD/_NEW set);
    none (or manual) leaves the change to a person and the report says which."""

    provider: Literal["route53", "command", "none", "manual"]
    record: str
    target: str
    zone: str | None = None
    ttl: int = Field(60, ge=1)
    options: Annotated[dict[str, OptionValue], BeforeValidator(reject_literal_secrets)] = {}


class Site(_Model):
    """One region's deployment: a workspace, named storage roots, an optional DNS record."""

    role: Literal["primary", "dr"]
    region: str | None = None
    workspace: Workspace | None = None
    storage: dict[Name, StorageUri] = Field(min_length=1)
    storage_options: Annotated[dict[str, OptionValue], BeforeValidator(reject_literal_secrets)] = {}
    dns: Dns | None = None

    def env_names(self) -> list[str]:
        names = self.workspace.env_names() if self.workspace else []
        options = [*self.storage_options.values(), *(self.dns.options.values() if self.dns else ())]
        return names + [v.env for v in options if isinstance(v, EnvRef)]

    def option_names(self, uri: str | None = None) -> list[str]:
        """The storage options a store at `uri` takes: all, less those prefixed for
        another cloud (aws_, azure_, google_); none for a local URI."""
        scheme = normalize(uri).split("://", 1)[0] if uri else None
        if scheme == "file":
            return []
        wanted = {"s3": "aws_", "s3a": "aws_", "gs": "google_"}.get(scheme or "", "azure_")
        return [
            key
            for key in self.storage_options
            if not (scheme and key.startswith(_CLOUD_PREFIXES) and not key.startswith(wanted))
        ]

    def resolved_storage_options(self, uri: str | None = None) -> dict[str, str]:
        """The storage options with env references read now (secret values: never log them).

        With `uri`, options prefixed for another cloud (aws_, azure_, google_) are left out.
        """
        out: dict[str, str] = {}
        for key in self.option_names(uri):
            value = self.storage_options[key]
            out[key] = read_env(value.env, key) if isinstance(value, EnvRef) else value
        return out
