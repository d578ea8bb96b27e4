"""Workspace model configuration: provider credentials and default models.

Credentials are validated with a real call before they are saved, stored encrypted, and only ever
returned masked. A provider that needs no credentials (the built-in ``local``) is always
configured. A workspace without a default model for a type falls back to ``local``'s first model
of that type when the local provider is enabled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from yarrow.db.engine import Database
from yarrow.db.models import DefaultModel, ProviderCredential
from yarrow.errors import InvalidInput, NotFound
from yarrow.models import LOCAL_PROVIDER, ModelError, ModelRuntime, ModelType, UnknownProviderError
from yarrow.models.types import CredentialField, ModelInfo, ProviderInfo
from yarrow.services.crypto import CredentialCipher
from yarrow.services.permissions import Action, Actor

logger = logging.getLogger(__name__)

_MASK = "********"


def mask_secret(value: str) -> str:
    """A display form that never reveals a usable secret."""
    if len(value) <= 8:
        return _MASK
    return f"{value[:2]}{_MASK}{value[-4:]}"


@dataclass(frozen=True)
class ModelChoice:
    """A provider and model name for one model type."""

    provider: str
    model: str
    model_type: str


def parse_model_type(value: str) -> ModelType:
    """A valid model type (``llm``, ``text-embedding``, ``rerank``)."""
    try:
        return ModelType(value)
    except ValueError as exc:
        allowed = ", ".join(t.value for t in ModelType)
        raise InvalidInput(
            f"Unknown model type; use one of: {allowed}.", params="model_type"
        ) from exc


class ModelProviderService:
    """Provider credentials and default models of a workspace, over a :class:`ModelRuntime`."""

    def __init__(self, database: Database, runtime: ModelRuntime, cipher: CredentialCipher) -> None:
        self._db = database
        self.runtime = runtime
        self._cipher = cipher

    # --- providers and credentials -------------------------------------------------------------

    def providers(self, actor: Actor) -> list[dict[str, Any]]:
        """Every installed provider, whether it is configured here, and masked credentials."""
        actor.require(Action.VIEW_APPS)
        stored = self._stored(actor.tenant_id)
        out = []
        for info in self.runtime.providers():
            values = stored.get(info.name)
            out.append(
                {
                    "provider": info.name,
                    "label": info.label,
                    "model_types": [t.value for t in info.model_types],
                    "credential_schema": [f.model_dump() for f in info.credential_schema],
                    "configured": values is not None or not info.needs_credentials,
                    "credentials": None if values is None else self._masked(info, values),
                }
            )
        return out

    async def save_credentials(
        self, actor: Actor, provider: str, credentials: dict[str, Any]
    ) -> dict[str, Any]:
        """Validate ``credentials`` with a real call, then store them encrypted.

        A secret field sent back in its masked form keeps the stored value.
        """
        actor.require(Action.MANAGE_WORKSPACE)
        info = self._info(provider)
        previous = self._stored(actor.tenant_id).get(provider, {})
        values = self._clean(info, credentials, previous)
        try:
            await self.runtime.validate_credentials(provider, values)
        except ModelError as exc:
            raise InvalidInput(
                f"Credentials validation failed: {exc}", code="invalid_credentials"
            ) from exc
        with self._db.transaction() as session:
            row = session.scalar(
                select(ProviderCredential).where(
                    ProviderCredential.tenant_id == actor.tenant_id,
                    ProviderCredential.provider == provider,
                )
            )
            if row is None:
                row = ProviderCredential(
                    tenant_id=actor.tenant_id, provider=provider, encrypted_config=""
                )
                session.add(row)
            row.encrypted_config = self._cipher.encrypt(values)
        return self._masked(info, values)

    def delete_credentials(self, actor: Actor, provider: str) -> None:
        """Forget a provider's credentials in this workspace."""
        actor.require(Action.MANAGE_WORKSPACE)
        with self._db.transaction() as session:
            row = session.scalar(
                select(ProviderCredential).where(
                    ProviderCredential.tenant_id == actor.tenant_id,
                    ProviderCredential.provider == provider,
                )
            )
            if row is None:
                raise NotFound("No credentials for this provider.", code="provider_not_found")
            session.delete(row)

    def credentials_for(self, tenant_id: str, provider: str) -> dict[str, Any]:
        """Decrypted credentials a workspace has for ``provider`` (``{}`` when none are needed).

        Raises:
            InvalidInput: ``provider_not_initialize`` when the provider needs credentials and the
                workspace has none.
        """
        info = self._info(provider)
        values = self._stored(tenant_id).get(provider)
        if values is None:
            if info.needs_credentials:
                raise InvalidInput(
                    f"Provider {provider} is not configured in this workspace.",
                    code="provider_not_initialize",
                )
            return {}
        return values

    # --- models ------------------------------------------------------------------------------

    async def models(self, actor: Actor, model_type: ModelType) -> list[ModelInfo]:
        """Models of ``model_type`` from every configured provider (a failing one is skipped)."""
        actor.require(Action.VIEW_APPS)
        out: list[ModelInfo] = []
        for info in self.runtime.providers():
            if model_type not in info.model_types:
                continue
            try:
                credentials = self.credentials_for(actor.tenant_id, info.name)
                out += await self.runtime.list_models(info.name, credentials, model_type)
            except InvalidInput:
                continue
            except ModelError as exc:
                logger.warning("listing models of %s failed: %s", info.name, exc)
        return out

    async def default_model(self, tenant_id: str, model_type: ModelType) -> ModelChoice:
        """The workspace's default model of ``model_type``.

        Raises:
            InvalidInput: ``provider_not_initialize`` when there is none and no local fallback.
        """
        with self._db.session() as session:
            row = session.scalar(
                select(DefaultModel).where(
                    DefaultModel.tenant_id == tenant_id, DefaultModel.model_type == model_type.value
                )
            )
        if row is not None:
            return ModelChoice(row.provider, row.model, row.model_type)
        if LOCAL_PROVIDER in self.runtime.provider_names():
            local = await self.runtime.list_models(LOCAL_PROVIDER, {}, model_type)
            if local:
                return ModelChoice(LOCAL_PROVIDER, local[0].name, model_type.value)
        raise InvalidInput(
            f"No default {model_type.value} model is configured.", code="provider_not_initialize"
        )

    def set_default(self, actor: Actor, choice: ModelChoice) -> ModelChoice:
        """Make ``choice`` the workspace's default model of its type."""
        actor.require(Action.MANAGE_WORKSPACE)
        parse_model_type(choice.model_type)
        self._info(choice.provider)
        if not choice.model.strip() or len(choice.model) > 255:
            raise InvalidInput("Invalid model name.", params="model")
        with self._db.transaction() as session:
            row = session.scalar(
                select(DefaultModel).where(
                    DefaultModel.tenant_id == actor.tenant_id,
                    DefaultModel.model_type == choice.model_type,
                )
            )
            if row is None:
                row = DefaultModel(
                    tenant_id=actor.tenant_id,
                    model_type=choice.model_type,
                    provider=choice.provider,
                    model=choice.model,
                )
                session.add(row)
            row.provider, row.model = choice.provider, choice.model
        return choice

    # --- internals ---------------------------------------------------------------------------

    def _info(self, provider: str) -> ProviderInfo:
        try:
            return self.runtime.registry.describe(self.runtime.provider(provider).name)
        except UnknownProviderError as exc:
            raise NotFound(str(exc), code="provider_not_found") from exc

    def _stored(self, tenant_id: str) -> dict[str, dict[str, Any]]:
        with self._db.session() as session:
            rows = session.scalars(
                select(ProviderCredential).where(ProviderCredential.tenant_id == tenant_id)
            ).all()
        return {row.provider: self._cipher.decrypt(row.encrypted_config) for row in rows}

    @staticmethod
    def _clean(
        info: ProviderInfo, given: dict[str, Any], previous: dict[str, Any]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in info.credential_schema:
            value = given.get(field.name, field.default)
            if (
                field.secret
                and isinstance(value, str)
                and field.name in previous
                and value == mask_secret(str(previous[field.name]))
            ):
                value = previous[field.name]
            if value in (None, ""):
                if field.required:
                    raise InvalidInput(f"{field.label} is required.", params=field.name)
                continue
            values[field.name] = _coerce(field, value)
        return values

    @staticmethod
    def _masked(info: ProviderInfo, values: dict[str, Any]) -> dict[str, Any]:
        secret = {f.name for f in info.credential_schema if f.secret}
        return {k: mask_secret(str(v)) if k in secret else v for k, v in values.items()}


def _coerce(field: CredentialField, value: Any) -> Any:
    if field.type == "select" and field.options and value not in field.options:
        raise InvalidInput(
            f"{field.label} must be one of: {', '.join(field.options)}.", params=field.name
        )
    is_text = field.type in ("text", "secret", "select")
    if is_text and (not isinstance(value, str) or len(value) > 4096):
        raise InvalidInput(f"{field.label} must be a string.", params=field.name)
    return value


__all__ = ["ModelChoice", "ModelProviderService", "mask_secret", "parse_model_type"]
