from django.apps import AppConfig


class TimetrackingConfig(AppConfig):
    name = "timetracking"
    verbose_name = "Time tracking"

    def ready(self):
        from .alerts import connect_signals

        connect_signals()
