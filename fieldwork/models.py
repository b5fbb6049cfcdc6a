"""Field work (seed 002): a crew's work activity on site and the person adjustments of it.

An activity's billable minutes become one time entry (source `field`) of its lead member; the
stored `billable_minutes` is the figure that entry was last given (PRODUCT §6)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class WorkActivity(models.Model):
    task = models.ForeignKey(
        "clients.Task", on_delete=models.PROTECT, related_name="work_activities"
    )
    lead = models.ForeignKey(
        "timetracking.Member", on_delete=models.PROTECT, related_name="led_activities"
    )
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    crew_size = models.PositiveSmallIntegerField(default=1)
    break_minutes = models.PositiveIntegerField(default=0)
    non_billable_minutes = models.PositiveIntegerField(default=0)
    # Stored for reference only: billable hours use the allocated travel (seed 002).
    travel_minutes = models.PositiveIntegerField(default=0)
    allocated_travel_minutes = models.PositiveIntegerField(default=0)
    allocated_break_minutes = models.PositiveIntegerField(default=0)
    billable_minutes = models.IntegerField(default=0)
    time_entry = models.OneToOneField(
        "timetracking.TimeEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_activity",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "start_time", "id"]
        verbose_name_plural = "work activities"
        indexes = [models.Index(fields=["date"], name="fieldwork_activity_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="fieldwork_end_after_start"
            ),
            models.CheckConstraint(condition=Q(crew_size__gte=1), name="fieldwork_crew_positive"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M} · {self.task}"


class PersonAdjustment(models.Model):
    """A signed correction of one person's time ("2:25" = +145 min, "-0:30" = −30 min)."""

    activity = models.ForeignKey(WorkActivity, on_delete=models.CASCADE, related_name="adjustments")
    person = models.CharField(max_length=100)
    minutes = models.IntegerField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=-100 * 60) & Q(minutes__lte=100 * 60),
                name="fieldwork_adjustment_bounded",
            ),
            models.CheckConstraint(condition=~Q(person=""), name="fieldwork_adjustment_person"),
        ]

    def __str__(self):
        return f"{self.person} {self.minutes:+d} min"
