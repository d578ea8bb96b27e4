"""Who may do what in a workspace (Dify's roles).

owner            everything, including member removal and role changes
admin            everything except removing members or changing roles
editor           create and edit apps, datasets and app API keys
normal           use and view apps
dataset_operator manage datasets only
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from yarrow.errors import PermissionDenied


class Action(StrEnum):
    """A permission-checked console action."""

    VIEW_APPS = "view_apps"
    EDIT_APPS = "edit_apps"
    MANAGE_APP_KEYS = "manage_app_keys"
    MANAGE_DATASET_KEYS = "manage_dataset_keys"
    VIEW_MEMBERS = "view_members"
    INVITE_MEMBERS = "invite_members"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_WORKSPACE = "manage_workspace"
    EDIT_DATASETS = "edit_datasets"


_ALLOWED: dict[Action, frozenset[str]] = {
    Action.VIEW_APPS: frozenset({"owner", "admin", "editor", "normal"}),
    Action.EDIT_APPS: frozenset({"owner", "admin", "editor"}),
    Action.MANAGE_APP_KEYS: frozenset({"owner", "admin", "editor"}),
    Action.MANAGE_DATASET_KEYS: frozenset({"owner", "admin"}),
    Action.VIEW_MEMBERS: frozenset({"owner", "admin", "editor", "normal", "dataset_operator"}),
    Action.INVITE_MEMBERS: frozenset({"owner", "admin"}),
    Action.MANAGE_MEMBERS: frozenset({"owner"}),
    Action.MANAGE_WORKSPACE: frozenset({"owner", "admin"}),
    Action.EDIT_DATASETS: frozenset({"owner", "admin", "editor", "dataset_operator"}),
}


@dataclass(frozen=True)
class Actor:
    """A signed-in account acting inside one workspace with one role."""

    account_id: str
    tenant_id: str
    role: str

    def can(self, action: Action) -> bool:
        """Whether this actor's role allows ``action``."""
        return self.role in _ALLOWED[action]

    def require(self, action: Action) -> None:
        """Raise PermissionDenied unless this actor may do ``action``."""
        if not self.can(action):
            raise PermissionDenied(f"Your role ({self.role}) does not allow this action.")
