"""`AnyOf`: "column is one of these values" with the values as one array parameter on
PostgreSQL (`col = ANY(%s)`), instead of `IN (%s, %s, …)` with a parameter per value.

Why: a sync page looks up its 1,000-5,000 worklog ids in several tables; with `__in`, Django
resolves every value and psycopg splits and quotes a query of thousands of placeholders, which
cost more than the queries themselves (issue 13). Other databases get the plain `IN`."""

from django.db.models import Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    """Use as an expression: `Model.objects.filter(AnyOf(F("worklog_id"), ids))`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))
