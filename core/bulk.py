"""`copy_insert`: write many new rows of one model with PostgreSQL's COPY, their ids taken from
the table's sequence first, so the instances come back saved (pk set) like `bulk_create`'s.

Why (issue 13): a first sync writes 100,000 entries and as many history rows. `bulk_create`
spent more time preparing each value of each field in Python (and psycopg quoting them into
one statement) than PostgreSQL spent inserting them; COPY streams the rows instead. The rows
are the same: every concrete field, `auto_now`/`auto_now_add` set, JSON through the field's
own adapter; constraints, triggers and defaults of the database apply as to an INSERT. Fields
the database fills (`db_default`, generated) are left to it. Other databases: `bulk_create`."""

from __future__ import annotations

from django.db import connections
from django.db.models import NOT_PROVIDED, Model

# Fields whose Python value psycopg writes as it is (Django's preparation changes nothing
# for them on PostgreSQL); the others go through `get_db_prep_save`.
_AS_THEY_ARE = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
    "TimeField",
}


def copy_insert(instances: list[Model], *, using: str = "default") -> list[Model]:
    """Insert `instances` (all of one model, all new) in one COPY; returns them, saved."""
    if not instances:
        return instances
    model = type(instances[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model.objects.using(using).bulk_create(instances)
    meta = model._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not getattr(field, "generated", False) and field.db_default is NOT_PROVIDED
    ]
    plans = [
        (
            field,
            getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False),
            field.get_internal_type() in _AS_THEY_ARE,
        )
        for field in fields
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
            instance.pk = pk
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for instance in instances:
                row = []
                for field, pre_save, as_it_is in plans:
                    value = (
                        field.pre_save(instance, True)
                        if pre_save
                        else getattr(instance, field.attname)
                    )
                    row.append(value if as_it_is else field.get_db_prep_save(value, connection))
                copy.write_row(row)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = using
    return instances
