"""App configuration, end users, conversations, messages and feedback."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, Timestamp, TimestampMixin, utcnow


class AppModelConfig(IdMixin, TimestampMixin, Base):
    """The configuration of a chat, completion or agent app (Dify's model_config), as JSON."""

    __tablename__ = "app_model_configs"

    app_id: Mapped[str] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    config: Mapped[str] = mapped_column(Text, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(36))


class EndUser(IdMixin, Base):
    """A caller-chosen ``user`` of the Service API (or a web-app visitor) of one app."""

    __tablename__ = "end_users"
    __table_args__ = (UniqueConstraint("app_id", "type", "session_id"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    session_id: Mapped[str] = mapped_column(String(255), nullable=False)
    is_anonymous: Mapped[bool] = mapped_column(default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)


class Conversation(IdMixin, TimestampMixin, Base):
    """A chat thread of one end user with one app."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_app_user_updated", "app_id", "end_user_id", "updated_at"),
    )

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), nullable=False)
    end_user_id: Mapped[str] = mapped_column(
        ForeignKey("end_users.id", ondelete="CASCADE"), nullable=False
    )
    mode: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    inputs: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    status: Mapped[str] = mapped_column(String(32), default="normal", nullable=False)


class Message(IdMixin, TimestampMixin, Base):
    """One query and its answer (completion apps have no conversation)."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    app_id: Mapped[str] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), nullable=False, index=True
    )
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    end_user_id: Mapped[str] = mapped_column(
        ForeignKey("end_users.id", ondelete="CASCADE"), nullable=False
    )
    parent_message_id: Mapped[str | None] = mapped_column(String(36))
    query: Mapped[str] = mapped_column(Text, default="", nullable=False)
    inputs: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    answer: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(32), default="normal", nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    model: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    message_tokens: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    answer_tokens: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    latency: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}", nullable=False)


class MessageFeedback(IdMixin, TimestampMixin, Base):
    """A like or dislike of a message, by an end user (or a console account)."""

    __tablename__ = "message_feedbacks"
    __table_args__ = (UniqueConstraint("message_id", "from_end_user_id"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    app_id: Mapped[str] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), nullable=False, index=True
    )
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), nullable=False
    )
    rating: Mapped[str] = mapped_column(String(16), nullable=False)
    content: Mapped[str | None] = mapped_column(Text)
    from_source: Mapped[str] = mapped_column(String(16), default="api", nullable=False)
    from_end_user_id: Mapped[str | None] = mapped_column(String(36))
    from_account_id: Mapped[str | None] = mapped_column(String(36))
