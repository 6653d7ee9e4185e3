"""The data map declares every personal field (foundation of P17, P19, P33)."""

from __future__ import annotations

from sqlalchemy import inspect

from hearthwatch.context import AppContext
from hearthwatch.models import metadata
from hearthwatch.privacy.datamap.service import NON_PERSONAL, PERSONAL_FIELDS, personal_field_keys


def schema_columns(ctx: AppContext) -> set[str]:
    inspector = inspect(ctx.db.engine)
    return {
        f"{table}.{column['name']}"
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
    }


def test_every_stored_column_is_classified(ctx: AppContext) -> None:
    """A new column fails here until the data map says whether it is personal data."""
    unclassified = schema_columns(ctx) - personal_field_keys() - set(NON_PERSONAL)
    assert not unclassified, f"declare these in privacy/datamap/service.py: {sorted(unclassified)}"


def test_every_model_column_is_classified() -> None:
    model_columns = {f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns}
    assert model_columns - personal_field_keys() - set(NON_PERSONAL) == set()


def test_declared_fields_exist(ctx: AppContext) -> None:
    assert personal_field_keys() <= schema_columns(ctx)
    assert set(NON_PERSONAL) <= schema_columns(ctx)


def test_no_field_is_both_personal_and_not() -> None:
    assert personal_field_keys().isdisjoint(NON_PERSONAL)
    assert len(personal_field_keys()) == len(PERSONAL_FIELDS)


def test_every_personal_field_has_purpose_basis_and_retention() -> None:
    for field in PERSONAL_FIELDS:
        assert field.purpose and field.description, field.key
        assert field.retention.description and field.retention.days, field.key
