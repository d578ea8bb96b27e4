"""Apps of a workspace: create, list, read, update, copy, delete, and the site/API switches.

All reads and writes are scoped to the actor's workspace; an app id from another workspace is
answered with NotFound (Dify's ``app_not_found``), exactly as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yarrow.db.engine import Database
from yarrow.db.models import APP_MODES, App, Site
from yarrow.errors import InvalidInput, NotFound
from yarrow.services.accounts import check_name
from yarrow.services.permissions import Action, Actor
from yarrow.services.security import random_token

ICON_TYPES = ("emoji", "image", "link")
MAX_DESCRIPTION = 400
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class AppDraft:
    """Fields a caller may set on create or update (``None`` leaves a field unchanged)."""

    name: str | None = None
    mode: str | None = None
    description: str | None = None
    icon_type: str | None = None
    icon: str | None = None
    icon_background: str | None = None


@dataclass(frozen=True)
class AppPage:
    """One page of apps."""

    items: list[tuple[App, Site | None]]
    page: int
    limit: int
    total: int

    @property
    def has_more(self) -> bool:
        """Whether another page exists."""
        return self.page * self.limit < self.total


@dataclass
class AppWithSite:
    """An app and its site, detached from the session."""

    app: App
    site: Site | None = field(default=None)


def check_mode(mode: str) -> str:
    """A valid Dify app mode."""
    if mode not in APP_MODES:
        raise InvalidInput(f"Invalid mode; choose one of: {', '.join(APP_MODES)}.", params="mode")
    return mode


def _apply(app: App, draft: AppDraft) -> None:
    if draft.name is not None:
        app.name = check_name(draft.name)
    if draft.description is not None:
        if len(draft.description) > MAX_DESCRIPTION:
            raise InvalidInput(
                f"description must be at most {MAX_DESCRIPTION} characters.",
                params="description",
            )
        app.description = draft.description
    if draft.icon_type is not None:
        if draft.icon_type not in ICON_TYPES:
            raise InvalidInput("Invalid icon_type.", params="icon_type")
        app.icon_type = draft.icon_type
    if draft.icon is not None:
        app.icon = check_name(draft.icon, "icon")
    if draft.icon_background is not None:
        app.icon_background = check_name(draft.icon_background, "icon_background", 16)


class AppService:
    """App management for one workspace at a time."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, actor: Actor, draft: AppDraft) -> AppWithSite:
        """Create an app (and its site) in the actor's workspace."""
        actor.require(Action.EDIT_APPS)
        if draft.name is None or draft.mode is None:
            raise InvalidInput("name and mode are required.", params="name")
        app = App(
            tenant_id=actor.tenant_id,
            mode=check_mode(draft.mode),
            created_by=actor.account_id,
            updated_by=actor.account_id,
        )
        _apply(app, draft)
        with self._db.transaction() as session:
            session.add(app)
            session.flush()
            site = Site(
                app_id=app.id, code=random_token(16), title=app.name, description=app.description
            )
            session.add(site)
            session.flush()
            return AppWithSite(app, site)

    def list(
        self,
        actor: Actor,
        *,
        page: int = 1,
        limit: int = 20,
        mode: str | None = None,
        name: str | None = None,
    ) -> AppPage:
        """A page of the workspace's apps, newest first, filtered by mode and name substring."""
        actor.require(Action.VIEW_APPS)
        if page < 1:
            raise InvalidInput("page must be at least 1.", params="page")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}.", params="limit")
        query = select(App).where(App.tenant_id == actor.tenant_id)
        if mode and mode != "all":
            query = query.where(App.mode == check_mode(mode))
        if name:
            escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(App.name.ilike(f"%{escaped}%", escape="\\"))
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            apps = list(
                session.scalars(
                    query.order_by(App.created_at.desc(), App.id)
                    .offset((page - 1) * limit)
                    .limit(limit)
                )
            )
            sites = {
                s.app_id: s
                for s in session.scalars(select(Site).where(Site.app_id.in_([a.id for a in apps])))
            }
            return AppPage([(a, sites.get(a.id)) for a in apps], page, limit, int(total))

    def get(self, actor: Actor, app_id: str) -> AppWithSite:
        """One app of the actor's workspace."""
        actor.require(Action.VIEW_APPS)
        with self._db.session() as session:
            app = self._owned(session, actor, app_id)
            return AppWithSite(app, session.scalar(select(Site).where(Site.app_id == app.id)))

    def update(self, actor: Actor, app_id: str, draft: AppDraft) -> AppWithSite:
        """Change name, description or icon of an app (mode never changes)."""
        actor.require(Action.EDIT_APPS)
        with self._db.transaction() as session:
            app = self._owned(session, actor, app_id)
            _apply(
                app,
                AppDraft(
                    name=draft.name,
                    description=draft.description,
                    icon_type=draft.icon_type,
                    icon=draft.icon,
                    icon_background=draft.icon_background,
                ),
            )
            app.updated_by = actor.account_id
            session.flush()
            return AppWithSite(app, session.scalar(select(Site).where(Site.app_id == app.id)))

    def copy(self, actor: Actor, app_id: str, draft: AppDraft) -> AppWithSite:
        """A new app with the source's fields, overridden by ``draft``."""
        source = self.get(actor, app_id).app
        return self.create(
            actor,
            AppDraft(
                name=draft.name or f"{source.name} (copy)",
                mode=source.mode,
                description=source.description if draft.description is None else draft.description,
                icon_type=draft.icon_type or source.icon_type,
                icon=draft.icon or source.icon,
                icon_background=draft.icon_background or source.icon_background,
            ),
        )

    def delete(self, actor: Actor, app_id: str) -> None:
        """Delete an app; its site and API keys go with it."""
        actor.require(Action.EDIT_APPS)
        with self._db.transaction() as session:
            app = self._owned(session, actor, app_id)
            session.delete(app)

    def set_switch(
        self, actor: Actor, app_id: str, *, site: bool | None = None, api: bool | None = None
    ) -> AppWithSite:
        """Turn the public site or the Service API of an app on or off."""
        actor.require(Action.EDIT_APPS)
        with self._db.transaction() as session:
            app = self._owned(session, actor, app_id)
            if site is not None:
                app.enable_site = site
            if api is not None:
                app.enable_api = api
            session.flush()
            return AppWithSite(app, session.scalar(select(Site).where(Site.app_id == app.id)))

    def site_of(self, app_id: str) -> Site | None:
        """The site of an app already authorised by other means (an API key)."""
        with self._db.session() as session:
            return session.scalar(select(Site).where(Site.app_id == app_id))

    @staticmethod
    def _owned(session: Session, actor: Actor, app_id: str) -> App:
        app = session.scalar(select(App).where(App.id == app_id, App.tenant_id == actor.tenant_id))
        if app is None:
            raise NotFound("App not found.", code="app_not_found")
        return app
