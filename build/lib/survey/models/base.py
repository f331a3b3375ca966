"""Declarative base, naming convention and the shared SQLAlchemy object."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Naming convention and type map live on one registry: Flask-SQLAlchemy 3.1 copies the Base
# body into db.Model, and SQLAlchemy then refuses a `type_annotation_map` class attribute.
mapper_registry = registry(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    type_annotation_map={datetime: DateTime(timezone=True)},
)


class Base(DeclarativeBase):
    registry = mapper_registry


db = SQLAlchemy(model_class=Base)

# mypy cannot use `db.Model` as a base class (flask-sqlalchemy #1186); give it a real one.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
