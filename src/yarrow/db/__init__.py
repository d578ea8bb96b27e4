"""SQLAlchemy models, repositories, engine factory and Alembic migrations."""
