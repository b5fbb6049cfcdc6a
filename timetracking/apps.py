from django.apps import AppConfig


class TimetrackingConfig(AppConfig):
    name = "timetracking"
    verbose_name = "Time tracking"

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from . import entry_client
        from .alerts import connect_signals

        connect_signals()
        # SQLite's entry-client triggers live outside the migrations (entry_client.py says why).
        pre_migrate.connect(entry_client.before_migrate, sender=self)
        post_migrate.connect(entry_client.after_migrate, sender=self)
