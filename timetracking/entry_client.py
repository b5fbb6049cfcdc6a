"""`TimeEntry.client`: the client of the entry's task's project, kept by the database.

Per-client sums (balances' burn, the client page's task totals, the burn-down, insights and
billing) filter and group entries by this column instead of joining entry → task → project
(issue 13). Every writer — services, the sync's `bulk_create`, raw SQL (the bench dataset),
factories — is covered by triggers, so no Python code has to set it, and none may trust an
instance's `client_id` after saving it (the database, not the instance, knows the value):

- on an entry's insert, and an update of its task or client, the client is looked up again
  (whatever value the statement gave is overridden);
- a task moved to another project, or a project moved to another client, moves its entries.

PostgreSQL assigns NEW in a BEFORE trigger. SQLite (`make run`) cannot, so its triggers UPDATE
the row after the write; and since SQLite remakes a table to alter it (dropping the table's
triggers, and refusing to rename while another table's trigger names a missing table), its
triggers are dropped before every `migrate` and installed again after it (`apps.py`), not by a
migration. `manage.py check_balances` reports entries whose client differs from their task's.
"""

POSTGRESQL_INSTALL = """
CREATE FUNCTION timetracking_entry_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.client_id INTO NEW.client_id
    FROM clients_task t JOIN clients_project p ON p.id = t.project_id
    WHERE t.id = NEW.task_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER timetracking_entry_client_insert
    BEFORE INSERT ON timetracking_timeentry
    FOR EACH ROW EXECUTE FUNCTION timetracking_entry_client();
CREATE TRIGGER timetracking_entry_client_update
    BEFORE UPDATE OF task_id, client_id ON timetracking_timeentry
    FOR EACH ROW
    WHEN (NEW.task_id IS DISTINCT FROM OLD.task_id OR NEW.client_id IS DISTINCT FROM OLD.client_id)
    EXECUTE FUNCTION timetracking_entry_client();

CREATE FUNCTION timetracking_task_entries_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timetracking_timeentry e SET client_id = p.client_id
    FROM clients_project p
    WHERE p.id = NEW.project_id AND e.task_id = NEW.id
      AND e.client_id IS DISTINCT FROM p.client_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER timetracking_task_entries_client
    AFTER UPDATE OF project_id ON clients_task
    FOR EACH ROW WHEN (NEW.project_id IS DISTINCT FROM OLD.project_id)
    EXECUTE FUNCTION timetracking_task_entries_client();

CREATE FUNCTION timetracking_project_entries_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timetracking_timeentry e SET client_id = NEW.client_id
    FROM clients_task t
    WHERE t.project_id = NEW.id AND e.task_id = t.id
      AND e.client_id IS DISTINCT FROM NEW.client_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER timetracking_project_entries_client
    AFTER UPDATE OF client_id ON clients_project
    FOR EACH ROW WHEN (NEW.client_id IS DISTINCT FROM OLD.client_id)
    EXECUTE FUNCTION timetracking_project_entries_client();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS timetracking_project_entries_client ON clients_project;
DROP FUNCTION IF EXISTS timetracking_project_entries_client();
DROP TRIGGER IF EXISTS timetracking_task_entries_client ON clients_task;
DROP FUNCTION IF EXISTS timetracking_task_entries_client();
DROP TRIGGER IF EXISTS timetracking_entry_client_update ON timetracking_timeentry;
DROP TRIGGER IF EXISTS timetracking_entry_client_insert ON timetracking_timeentry;
DROP FUNCTION IF EXISTS timetracking_entry_client();
"""

# Every entry whose client is not its task's project's (all of them when the column is new).
POSTGRESQL_FILL = """
UPDATE timetracking_timeentry e SET client_id = p.client_id
FROM clients_task t JOIN clients_project p ON p.id = t.project_id
WHERE t.id = e.task_id AND e.client_id IS DISTINCT FROM p.client_id
"""

SQLITE_FILL = """
UPDATE timetracking_timeentry SET client_id = (
    SELECT p.client_id FROM clients_task t JOIN clients_project p ON p.id = t.project_id
    WHERE t.id = timetracking_timeentry.task_id)
WHERE client_id IS NOT (
    SELECT p.client_id FROM clients_task t JOIN clients_project p ON p.id = t.project_id
    WHERE t.id = timetracking_timeentry.task_id)
"""

_SQLITE_TASK_CLIENT = """(
    SELECT p.client_id FROM clients_task t JOIN clients_project p ON p.id = t.project_id
    WHERE t.id = NEW.task_id)"""

SQLITE_TRIGGERS = {
    "timetracking_entry_client_insert": f"""
CREATE TRIGGER IF NOT EXISTS timetracking_entry_client_insert
AFTER INSERT ON timetracking_timeentry
BEGIN
    UPDATE timetracking_timeentry SET client_id = {_SQLITE_TASK_CLIENT} WHERE id = NEW.id;
END""",
    "timetracking_entry_client_update": f"""
CREATE TRIGGER IF NOT EXISTS timetracking_entry_client_update
AFTER UPDATE OF task_id, client_id ON timetracking_timeentry
WHEN NEW.client_id IS NOT {_SQLITE_TASK_CLIENT}
BEGIN
    UPDATE timetracking_timeentry SET client_id = {_SQLITE_TASK_CLIENT} WHERE id = NEW.id;
END""",
    "timetracking_task_entries_client": """
CREATE TRIGGER IF NOT EXISTS timetracking_task_entries_client
AFTER UPDATE OF project_id ON clients_task
WHEN NEW.project_id IS NOT OLD.project_id
BEGIN
    UPDATE timetracking_timeentry
    SET client_id = (SELECT client_id FROM clients_project WHERE id = NEW.project_id)
    WHERE task_id = NEW.id;
END""",
    "timetracking_project_entries_client": """
CREATE TRIGGER IF NOT EXISTS timetracking_project_entries_client
AFTER UPDATE OF client_id ON clients_project
WHEN NEW.client_id IS NOT OLD.client_id
BEGIN
    UPDATE timetracking_timeentry SET client_id = NEW.client_id
    WHERE task_id IN (SELECT id FROM clients_task WHERE project_id = NEW.id);
END""",
}


def _has_client_column(connection) -> bool:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if "timetracking_timeentry" not in tables:
            return False
        columns = connection.introspection.get_table_description(cursor, "timetracking_timeentry")
    return any(column.name == "client_id" for column in columns)


def install(connection) -> None:
    """Fill the column where it is wrong and install the triggers (PostgreSQL or SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FILL)
            cursor.execute(POSTGRESQL_DROP)
            cursor.execute(POSTGRESQL_INSTALL)
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_FILL)
            for statement in SQLITE_TRIGGERS.values():
                cursor.execute(statement)
        else:
            raise NotImplementedError(f"TimeEntry.client has no triggers for {connection.vendor}")


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_DROP)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def before_migrate(using, **kwargs) -> None:
    """SQLite only (see the module's docstring): the triggers would break a table remake."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        uninstall(connection)


def after_migrate(using, **kwargs) -> None:
    """SQLite only: the triggers again, and the column filled, when the column exists (it is
    gone once its migration is reversed)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and _has_client_column(connection):
        install(connection)
