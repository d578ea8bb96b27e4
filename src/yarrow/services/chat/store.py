"""SQL for end users, app configs, conversations, messages and feedback.

Every query is scoped by app and, where Dify scopes it, by end user: another user's conversation
or message is answered exactly like a missing one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from yarrow.db.base import utcnow
from yarrow.db.engine import Database
from yarrow.db.models import (
    App,
    AppModelConfig,
    Conversation,
    EndUser,
    Message,
    MessageFeedback,
)
from yarrow.errors import InvalidInput, NotFound
from yarrow.services.chat.app_config import AppConfig, parse_config

DEFAULT_USER = "DEFAULT-USER"
SERVICE_API = "service-api"
NOT_FOUND_CONVERSATION = "Conversation Not Exists."
NOT_FOUND_MESSAGE = "Message Not Exists."


def check_uuid(value: str, field: str) -> str:
    """``value`` if it is a UUID string; Dify answers 400 invalid_param otherwise."""
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidInput(f"{field} is not a valid UUID.", params=field) from exc
    return value


@dataclass(frozen=True)
class Page:
    """A cursor page."""

    rows: list[Any]
    has_more: bool


class ChatStore:
    """Persistence of chat-family apps."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # --- app configuration ---------------------------------------------------------------------

    def config(self, app_id: str) -> AppConfig:
        """The app's configuration (defaults when never saved)."""
        with self._db.session() as session:
            row = session.scalar(select(AppModelConfig).where(AppModelConfig.app_id == app_id))
        return parse_config(json.loads(row.config)) if row else AppConfig()

    def save_config(self, app_id: str, config: AppConfig, account_id: str | None) -> None:
        """Replace the app's configuration."""
        data = json.dumps(config.model_dump(mode="json"), ensure_ascii=False)
        with self._db.transaction() as session:
            row = session.scalar(select(AppModelConfig).where(AppModelConfig.app_id == app_id))
            if row is None:
                session.add(AppModelConfig(app_id=app_id, config=data, updated_by=account_id))
            else:
                row.config, row.updated_by = data, account_id

    # --- end users -------------------------------------------------------------------------

    def end_user(self, app: App, user: str | None, kind: str = SERVICE_API) -> EndUser:
        """Get or create the end user ``user`` of ``app`` (``DEFAULT-USER`` when missing)."""
        session_id = user if user else DEFAULT_USER
        if len(session_id) > 255:
            raise InvalidInput("user must be at most 255 characters.", params="user")
        query = select(EndUser).where(
            EndUser.app_id == app.id, EndUser.type == kind, EndUser.session_id == session_id
        )
        for _ in range(2):
            with self._db.session() as session:
                found = session.scalar(query)
            if found is not None:
                return found
            try:
                with self._db.transaction() as session:
                    row = EndUser(
                        tenant_id=app.tenant_id,
                        app_id=app.id,
                        type=kind,
                        session_id=session_id,
                        is_anonymous=not user,
                    )
                    session.add(row)
                    return row
            except IntegrityError:  # created concurrently: read it on the next pass
                continue
        raise NotFound("End user could not be created.", code="end_user_not_found")

    # --- conversations -------------------------------------------------------------------------

    def conversation(self, app_id: str, end_user_id: str, conversation_id: str) -> Conversation:
        """A conversation of this app and end user, or 404 "Conversation Not Exists."."""
        check_uuid(conversation_id, "conversation_id")
        with self._db.session() as session:
            row = session.scalar(
                select(Conversation).where(
                    Conversation.id == conversation_id,
                    Conversation.app_id == app_id,
                    Conversation.end_user_id == end_user_id,
                )
            )
        if row is None:
            raise NotFound(NOT_FOUND_CONVERSATION)
        return row

    def start_message(
        self,
        *,
        app: App,
        end_user: EndUser,
        conversation: Conversation | None,
        query: str,
        inputs: dict[str, Any],
        provider: str,
        model: str,
        new_conversation_name: str | None,
    ) -> tuple[Conversation | None, Message]:
        """Create the message (and, for a new chat, its conversation) before generation."""
        with self._db.transaction() as session:
            if conversation is None and new_conversation_name is not None:
                conversation = Conversation(
                    tenant_id=app.tenant_id,
                    app_id=app.id,
                    end_user_id=end_user.id,
                    mode=app.mode,
                    name=new_conversation_name,
                    inputs=json.dumps(inputs, ensure_ascii=False),
                )
                session.add(conversation)
                session.flush()
            elif conversation is not None:
                live = session.get(Conversation, conversation.id)
                if live is not None:
                    live.updated_at = utcnow()
            message = Message(
                tenant_id=app.tenant_id,
                app_id=app.id,
                conversation_id=conversation.id if conversation else None,
                end_user_id=end_user.id,
                query=query,
                inputs=json.dumps(inputs, ensure_ascii=False),
                provider=provider,
                model=model,
            )
            session.add(message)
            session.flush()
            return conversation, message

    def finish_message(self, message_id: str, **values: Any) -> None:
        """Record the outcome of a generation (answer, status, tokens, latency, error)."""
        with self._db.transaction() as session:
            row = session.get(Message, message_id)
            if row is not None:
                for key, value in values.items():
                    setattr(row, key, value)

    def history(self, conversation_id: str, limit: int) -> list[Message]:
        """The last ``limit`` answered messages of a conversation, oldest first."""
        with self._db.session() as session:
            rows = session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id, Message.status == "normal")
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(limit)
            ).all()
        return list(reversed(rows))

    def list_conversations(
        self, app_id: str, end_user_id: str, *, last_id: str | None, limit: int, sort_by: str
    ) -> Page:
        """Conversations of an end user, cursor-paginated by ``last_id``."""
        column = Conversation.updated_at if "updated_at" in sort_by else Conversation.created_at
        descending = sort_by.startswith("-")
        query = select(Conversation).where(
            Conversation.app_id == app_id, Conversation.end_user_id == end_user_id
        )
        with self._db.session() as session:
            if last_id:
                cursor = session.scalar(
                    query.where(Conversation.id == check_uuid(last_id, "last_id"))
                )
                if cursor is None:
                    raise NotFound("Last Conversation Not Exists.")
                value = getattr(cursor, column.key)
                after = (
                    or_(column < value, and_(column == value, Conversation.id < cursor.id))
                    if descending
                    else or_(column > value, and_(column == value, Conversation.id > cursor.id))
                )
                query = query.where(after)
            order = (
                (column.desc(), Conversation.id.desc())
                if descending
                else (column.asc(), Conversation.id.asc())
            )
            rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
        return Page(rows[:limit], len(rows) > limit)

    def delete_conversation(self, app_id: str, end_user_id: str, conversation_id: str) -> None:
        """Delete a conversation and its messages."""
        conversation = self.conversation(app_id, end_user_id, conversation_id)
        with self._db.transaction() as session:
            row = session.get(Conversation, conversation.id)
            if row is not None:
                session.delete(row)

    def rename_conversation(
        self, app_id: str, end_user_id: str, conversation_id: str, name: str
    ) -> Conversation:
        """Set a conversation's name."""
        self.conversation(app_id, end_user_id, conversation_id)
        with self._db.transaction() as session:
            row = session.get(Conversation, conversation_id)
            assert row is not None
            row.name = name[:255]
            row.updated_at = utcnow()
            session.flush()
            return row

    # --- messages ----------------------------------------------------------------------------

    def messages(
        self,
        app_id: str,
        end_user_id: str,
        conversation_id: str,
        *,
        first_id: str | None,
        limit: int,
    ) -> Page:
        """Newest ``limit`` messages before ``first_id`` (oldest first in the page)."""
        self.conversation(app_id, end_user_id, conversation_id)
        query = select(Message).where(Message.conversation_id == conversation_id)
        with self._db.session() as session:
            if first_id:
                cursor = session.scalar(query.where(Message.id == check_uuid(first_id, "first_id")))
                if cursor is None:
                    raise NotFound("First Message Not Exists.")
                query = query.where(
                    or_(
                        Message.created_at < cursor.created_at,
                        and_(Message.created_at == cursor.created_at, Message.id < cursor.id),
                    )
                )
            rows = list(
                session.scalars(
                    query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)
                )
            )
        return Page(list(reversed(rows[:limit])), len(rows) > limit)

    def message(self, app_id: str, end_user_id: str, message_id: str) -> Message:
        """A message of this app and end user, or 404 "Message Not Exists."."""
        check_uuid(message_id, "message_id")
        with self._db.session() as session:
            row = session.scalar(
                select(Message).where(
                    Message.id == message_id,
                    Message.app_id == app_id,
                    Message.end_user_id == end_user_id,
                )
            )
        if row is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return row

    def feedback(
        self, message: Message, end_user_id: str, rating: str | None, content: str | None
    ) -> None:
        """Set (or, with ``rating=None``, revoke) the end user's feedback on a message."""
        with self._db.transaction() as session:
            row = session.scalar(
                select(MessageFeedback).where(
                    MessageFeedback.message_id == message.id,
                    MessageFeedback.from_end_user_id == end_user_id,
                )
            )
            if rating is None:
                if row is None:
                    raise NotFound("Feedback Not Exists.")
                session.delete(row)
                return
            if row is None:
                row = MessageFeedback(
                    tenant_id=message.tenant_id,
                    app_id=message.app_id,
                    conversation_id=message.conversation_id,
                    message_id=message.id,
                    rating=rating,
                    from_end_user_id=end_user_id,
                    from_source="api",
                )
                session.add(row)
            row.rating, row.content = rating, content

    def feedback_ratings(self, message_ids: list[str]) -> dict[str, str]:
        """Rating per message id (end-user feedback)."""
        if not message_ids:
            return {}
        with self._db.session() as session:
            rows = session.execute(
                select(MessageFeedback.message_id, MessageFeedback.rating).where(
                    MessageFeedback.message_id.in_(message_ids)
                )
            ).all()
        return {message_id: rating for message_id, rating in rows}

    def app_feedbacks(self, app_id: str, *, page: int, limit: int) -> list[MessageFeedback]:
        """Feedback on an app's messages, newest first."""
        with self._db.session() as session:
            return list(
                session.scalars(
                    select(MessageFeedback)
                    .where(MessageFeedback.app_id == app_id)
                    .order_by(MessageFeedback.created_at.desc(), MessageFeedback.id)
                    .offset((page - 1) * limit)
                    .limit(limit)
                )
            )

    def count_messages(self, app_id: str) -> int:
        """Messages of an app (used by tests and stats)."""
        with self._db.session() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(Message).where(Message.app_id == app_id)
                )
                or 0
            )
