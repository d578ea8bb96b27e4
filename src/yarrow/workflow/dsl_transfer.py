"""What export removes or encrypts, and what import undoes (Dify §5.3, §5.4 step 6).

- Knowledge-retrieval ``dataset_ids`` are AES-CBC encrypted with key = sha256(tenant_id) and
  IV = key[:16], PKCS7, base64 (``DSL_EXPORT_ENCRYPT_DATASET_ID``), so they only decrypt in the
  same workspace. On import, plain UUIDs pass; ids that do not decrypt to a UUID are dropped.
- Tool ``credential_id`` and agent-node tool ``credential_id`` are stripped on export.
- Trigger nodes are reset: webhook urls blanked, plugin ``subscription_id`` blanked.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from yarrow.workflow.dsl import AppDsl, export_dict


def _cipher(tenant_id: str) -> Cipher[modes.CBC]:
    key = hashlib.sha256(tenant_id.encode()).digest()
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt_dataset_id(dataset_id: str, tenant_id: str) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(dataset_id.encode()) + padder.finalize()
    encryptor = _cipher(tenant_id).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def decrypt_dataset_id(value: str, tenant_id: str) -> str | None:
    """A plain UUID as is; an encrypted id of this tenant decrypted; anything else ``None``."""
    if _is_uuid(value):
        return value
    try:
        raw = base64.b64decode(value, validate=True)
        decryptor = _cipher(tenant_id).decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        text = (unpadder.update(padded) + unpadder.finalize()).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return text if _is_uuid(text) else None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _nodes(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    workflow = data.get("workflow")
    graph = workflow.get("graph") if isinstance(workflow, dict) else None
    for node in (graph or {}).get("nodes") or []:
        if isinstance(node, dict) and isinstance(node.get("data"), dict):
            yield node["data"]


def export_for_tenant(
    dsl: AppDsl, tenant_id: str, *, include_secret: bool = False, encrypt_dataset_ids: bool = True
) -> dict[str, Any]:
    """The export document: secrets blanked, credentials stripped, dataset ids encrypted."""
    data = export_dict(dsl, include_secret=include_secret)
    for node in _nodes(data):
        kind = node.get("type")
        if kind == "knowledge-retrieval" and encrypt_dataset_ids:
            node["dataset_ids"] = [
                encrypt_dataset_id(str(i), tenant_id) for i in node.get("dataset_ids") or []
            ]
        elif kind == "tool":
            node.pop("credential_id", None)
        elif kind == "agent":
            tools = ((node.get("agent_parameters") or {}).get("tools") or {}).get("value")
            for tool in tools if isinstance(tools, list) else []:
                if isinstance(tool, dict):
                    tool.pop("credential_id", None)
        elif kind == "trigger-webhook":
            node["webhook_url"] = ""
            node["webhook_debug_url"] = ""
        elif kind == "trigger-plugin":
            node["subscription_id"] = ""
    return data


def import_for_tenant(dsl: AppDsl, tenant_id: str) -> AppDsl:
    """A copy of ``dsl`` whose knowledge-retrieval dataset ids are decrypted for this tenant."""
    data = copy.deepcopy(dsl.raw)
    for node in _nodes(data):
        if node.get("type") == "knowledge-retrieval":
            ids = [decrypt_dataset_id(str(i), tenant_id) for i in node.get("dataset_ids") or []]
            node["dataset_ids"] = [i for i in ids if i is not None]
    clone = copy.copy(dsl)
    clone.raw = data
    return clone
