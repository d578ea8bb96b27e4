"""Administrative commands: configuration, migrations, setup, apps and keys.

They work on the same database as a running ``yarrow serve`` (embedded mode unless the
environment names a database). Commands meant for automation print JSON on stdout.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy import select

from yarrow.db.base import unix_seconds
from yarrow.db.migrate import upgrade_to_head
from yarrow.db.models import App, Tenant, TenantMember
from yarrow.entrypoints.wiring import Process, build_process, load_for_cli
from yarrow.errors import NotFound, YarrowError
from yarrow.services.apps import AppDraft
from yarrow.services.permissions import Actor

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a YarrowError into ``error: ...`` on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except YarrowError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)

    return wrapper


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _process() -> Process:
    process = build_process(load_for_cli())
    upgrade_to_head(process.database)
    return process


def _owner_actor(process: Process, workspace_id: str | None) -> Actor:
    with process.database.session() as session:
        query = (
            select(TenantMember)
            .join(Tenant, Tenant.id == TenantMember.tenant_id)
            .where(TenantMember.role == "owner")
            .order_by(Tenant.created_at)
        )
        if workspace_id:
            query = query.where(TenantMember.tenant_id == workspace_id)
        owner = session.scalars(query).first()
    if owner is None:
        raise NotFound("No such workspace; run `yarrow setup` first.")
    return Actor(owner.account_id, owner.tenant_id, "owner")


@click.group("config")
def config_group() -> None:
    """Inspect the effective configuration."""


@config_group.command("show")
@reports_errors
def config_show() -> None:
    """Print the effective settings as JSON, with every secret redacted."""
    _emit(load_for_cli().redacted())


@click.command("migrate")
@reports_errors
def migrate() -> None:
    """Apply schema migrations (idempotent; concurrent runs wait for each other)."""
    process = build_process(load_for_cli())
    revision = upgrade_to_head(process.database)
    click.echo(f"database at revision {revision}")


@click.command("setup")
@click.option("--email", required=True, help="Owner email.")
@click.option("--name", required=True, help="Owner display name.")
@click.option("--password", prompt=True, hide_input=True, help="Owner password.")
@click.option("--workspace", "workspace_name", default=None, help="First workspace name.")
@reports_errors
def setup(email: str, name: str, password: str, workspace_name: str | None) -> None:
    """First-run setup without a browser: the owner account and first workspace."""
    process = _process()
    actor = process.services.accounts.setup(
        email=email,
        name=name,
        password=password,
        workspace_name=workspace_name,
        init_password=process.settings.core.init_password.get_secret_value(),
    )
    _emit({"result": "success", "account_id": actor.account_id, "workspace_id": actor.tenant_id})


@click.group("apps")
def apps_group() -> None:
    """Create and list apps."""


@apps_group.command("create")
@click.option("--mode", required=True, help="chat, completion, agent-chat, advanced-chat, workflow")
@click.option("--name", required=True, help="App name.")
@click.option("--description", default="", help="App description.")
@click.option("--workspace", "workspace_id", default=None, help="Workspace id (default: first).")
@click.option("--api-key", "with_key", is_flag=True, help="Also create an API key.")
@reports_errors
def apps_create(
    mode: str, name: str, description: str, workspace_id: str | None, with_key: bool
) -> None:
    """Create an app; prints it as JSON (with `api_key` when --api-key is given)."""
    process = _process()
    actor = _owner_actor(process, workspace_id)
    created = process.services.apps.create(
        actor, AppDraft(name=name, mode=mode, description=description)
    )
    out: dict[str, Any] = {
        "id": created.app.id,
        "name": created.app.name,
        "mode": created.app.mode,
        "workspace_id": created.app.tenant_id,
        "site_code": created.site.code if created.site else None,
    }
    if with_key:
        out["api_key"] = process.services.api_keys.create(actor, "app", created.app.id).token
    _emit(out)


@apps_group.command("list")
@click.option("--workspace", "workspace_id", default=None, help="Workspace id (default: first).")
@click.option("--mode", default=None, help="Only this mode.")
@reports_errors
def apps_list(workspace_id: str | None, mode: str | None) -> None:
    """List apps as JSON."""
    process = _process()
    actor = _owner_actor(process, workspace_id)
    page, out = 1, []
    while True:
        found = process.services.apps.list(actor, page=page, limit=100, mode=mode)
        out += [
            {"id": a.id, "name": a.name, "mode": a.mode, "created_at": unix_seconds(a.created_at)}
            for a, _ in found.items
        ]
        if not found.has_more:
            break
        page += 1
    _emit({"data": out, "total": len(out)})


@apps_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Name for the new app (default: the DSL's).")
@click.option("--workspace", "workspace_id", default=None, help="Workspace id (default: first).")
@click.option("--api-key", "with_key", is_flag=True, help="Also create an API key.")
@reports_errors
def apps_import(file: Path, name: str | None, workspace_id: str | None, with_key: bool) -> None:
    """Import a Dify DSL file; prints the result (and `api_key` with --api-key) as JSON."""
    process = _process()
    actor = _owner_actor(process, workspace_id)
    result = process.services.dsl.import_app(actor, file.read_bytes(), name=name)
    out = result.as_json()
    if with_key:
        out["api_key"] = process.services.api_keys.create(actor, "app", result.app_id).token
    _emit(out)


@apps_group.command("export")
@click.argument("app_id")
@reports_errors
def apps_export(app_id: str) -> None:
    """Print an app as Dify DSL YAML."""
    process = _process()
    with process.database.session() as session:
        app = session.get(App, app_id)
    if app is None:
        raise NotFound("App not found.")
    actor = _owner_actor(process, app.tenant_id)
    click.echo(process.services.dsl.export_app(actor, app_id), nl=False)


@click.group("keys")
def keys_group() -> None:
    """Create API keys."""


@keys_group.command("create")
@click.option("--app", "app_id", default=None, help="App id for an app key.")
@click.option("--knowledge", is_flag=True, help="A workspace knowledge (dataset) key instead.")
@click.option("--workspace", "workspace_id", default=None, help="Workspace id (default: first).")
@reports_errors
def keys_create(app_id: str | None, knowledge: bool, workspace_id: str | None) -> None:
    """Create a key; prints JSON with the key in `api_key` (shown only this once)."""
    if bool(app_id) == knowledge:
        raise click.UsageError("Give exactly one of --app ID or --knowledge.")
    process = _process()
    if app_id and not workspace_id:
        with process.database.session() as session:
            app = session.get(App, app_id)
        if app is None:
            raise NotFound("App not found.")
        workspace_id = app.tenant_id
    actor = _owner_actor(process, workspace_id)
    key = process.services.api_keys.create(actor, "dataset" if knowledge else "app", app_id)
    _emit(
        {
            "id": key.id,
            "type": key.type,
            "api_key": key.token,
            "app_id": app_id,
            "workspace_id": actor.tenant_id,
        }
    )


COMMANDS: list[click.Command] = [config_group, migrate, setup, apps_group, keys_group]
