"""`AnyOf`: "column is one of these values", with the values as one array parameter on
PostgreSQL, instead of `IN (%s, %s, …)` with a placeholder per value.

Why (issue 13): a sync page looks up its 1,000-5,000 worklog ids in several tables. With
`__in`, Django resolves every value and psycopg splits and quotes a query of thousands of
placeholders, which cost more than the queries themselves; and with a list of constants the
planner, knowing there are 1,000 of them, preferred scanning a 100,000-row table (12-25 ms) to
1,000 index probes (2 ms). `IN (SELECT unnest(array))` is one parameter and is planned as a
semi-join of unknown size: index probes. Other databases get the plain `IN`."""

import psycopg
from django.db import connections
from django.db.models import BooleanField, Lookup, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In


class AnyOf(Lookup):
    """Use as an expression: `Model.objects.filter(AnyOf(F("worklog_id"), ids))`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        element = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} IN (SELECT unnest(%s::{element}[]))", (*lhs_params, list(self.rhs))


def pairs_any_of(column: str, value, other: str, values, *, using: str = "default"):
    """`filter()` argument: rows whose `column` is `value` and `other` one of `values`, planned
    as index probes on a (column, other) index: `(column, other) IN (SELECT value,
    unnest(values))`. The plain `column = value AND …` form let a table never analyzed yet
    (right after a first import) be read whole, the planner guessing `column = value` rare."""
    if connections[using].vendor != "postgresql":
        return Q(**{column: value, f"{other}__in": list(values)})
    return RawSQL(
        f'("{column}", "{other}") IN (SELECT %s, unnest(%s::varchar[]))',
        [value, list(values)],
        output_field=BooleanField(),
    )


def plain_rows(queryset, *, using: str = "default") -> list[tuple]:
    """The rows of a `values_list` queryset of plain columns (no field converters), with
    timestamps read by psycopg's own C loader rather than Django's Python one (which rebuilds
    each value to set the connection's zone: 4 µs apiece, 3 per worklog of a sync page). The
    values are the same aware datetimes; compare them, don't rely on their `tzinfo` object."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    timestamptz = psycopg.postgres.types["timestamptz"].oid
    with connection.cursor() as cursor:
        # A cursor's adapters are its own copy: the connection keeps Django's loader.
        cursor.cursor.adapters.register_loader(
            timestamptz, psycopg.adapters.get_loader(timestamptz, psycopg.pq.Format.TEXT)
        )
        cursor.execute(sql, params)
        return cursor.fetchall()
