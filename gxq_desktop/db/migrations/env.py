"""Alembic environment: always run programmatically with a connection from gxq_desktop.db.migrate."""

from __future__ import annotations

from alembic import context

from gxq_desktop.db.migrate import include_object
from gxq_desktop.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the program's own code runs migrations
    raise RuntimeError("run migrations through `gxq-desktop db upgrade`")


context.configure(
    connection=connection,
    include_object=include_object,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
