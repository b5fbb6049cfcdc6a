"""Sync bookkeeping: per-source state and cursors, runs and their counts, the triage queue
(unmapped worklogs), quarantine, the issue metadata cache, webhook deliveries and tombstones."""

from django.db import models
from django.db.models import Q

# The counts of a run, in the order INTERFACES §1 lists them (`sync_jira --json`).
COUNT_KEYS = ("fetched", "created", "updated", "deleted", "ignored", "unmapped", "quarantined")


def empty_counts() -> dict:
    return dict.fromkeys(COUNT_KEYS, 0)


class WorklogSource(models.TextChoices):
    JIRA = "jira", "Jira"
    TEMPO = "tempo", "Tempo"


class SyncState(models.Model):
    """One row per source. Its row lock serializes every write of that source (runs, webhook
    fetches, triage), and its cursors advance in the same transaction as the data they cover."""

    source = models.CharField(max_length=10, choices=WorklogSource.choices, unique=True)
    # Epoch milliseconds. Jira: the `until` of the last applied page of each feed (`since` is
    # inclusive, so boundary items repeat and are de-duplicated). Tempo: the largest updatedAt.
    updated_cursor = models.BigIntegerField(default=0)
    deleted_cursor = models.BigIntegerField(default=0)
    healthy = models.BooleanField(
        default=True, help_text="False after Jira/Tempo refused the credentials"
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    totals = models.JSONField(default=empty_counts, help_text="Counts of every run so far")

    class Meta:
        verbose_name = "sync state"

    def __str__(self):
        return f"{self.get_source_display()} sync state"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # Its process died mid-run (kill -9, a lost host): found by `sync.liveness`.
    INTERRUPTED = "interrupted", "Interrupted"


class RunTrigger(models.TextChoices):
    BEAT = "beat", "Schedule"
    MANUAL = "manual", "Sync now"
    COMMAND = "command", "Command"
    WEBHOOK = "webhook", "Webhook"
    TRIAGE = "triage", "Triage"


class SyncRun(models.Model):
    source = models.CharField(max_length=10, choices=WorklogSource.choices)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL)
    full = models.BooleanField(default=False)
    # Tempo: the date window this run read and reconciled (deletions found by absence).
    window_from = models.DateField(null=True, blank=True)
    window_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Liveness of a running run (`sync.liveness`): touched by every page; the process running it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    holder = models.CharField(max_length=200, blank=True, help_text="host:pid running it")
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    ignored = models.PositiveIntegerField(default=0)
    unmapped = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "-started_at"])]

    def __str__(self):
        return f"{self.get_source_display()} run {self.pk} ({self.status})"

    def counts(self) -> dict:
        return {key: getattr(self, key) for key in COUNT_KEYS}


class UnmappedWorklog(models.Model):
    """The triage queue: a worklog no task or project matches (or several do). Kept with its
    normalized payload and re-evaluated by every run, so no hour is dropped."""

    source = models.CharField(max_length=10, choices=WorklogSource.choices)
    worklog_id = models.CharField(max_length=32)
    issue_id = models.CharField(max_length=32, db_index=True)
    issue_key = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=500)
    payload = models.JSONField(help_text="The normalized worklog")
    author_display_name = models.CharField(max_length=200, blank=True)
    local_date = models.DateField()
    duration_minutes = models.PositiveIntegerField()
    source_updated_at = models.DateTimeField()
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_evaluated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["issue_key", "local_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "worklog_id"], name="unmapped_worklog_unique")
        ]

    def __str__(self):
        return f"{self.source} worklog {self.worklog_id} on {self.issue_key or self.issue_id}"


class QuarantinedWorklog(models.Model):
    """A worklog that could not be read or applied, with its raw payload and the error."""

    source = models.CharField(max_length=10, choices=WorklogSource.choices)
    worklog_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    error = models.TextField()
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    times_seen = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "worklog_id"],
                condition=~Q(worklog_id=""),
                name="quarantined_worklog_unique",
            )
        ]

    def __str__(self):
        return f"{self.source} worklog {self.worklog_id or '?'}: {self.error[:60]}"


class JiraIssue(models.Model):
    """Cached metadata of a Jira issue, keyed on its id (keys change when issues move)."""

    issue_id = models.CharField(max_length=32, unique=True)
    key = models.CharField(max_length=64, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    issue_type = models.CharField(max_length=100, blank=True)
    priority = models.CharField(max_length=100, blank=True)
    priority_id = models.CharField(max_length=32, blank=True)
    project_key = models.CharField(max_length=64, blank=True)
    labels = models.JSONField(default=list, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.key} ({self.issue_id})"


class WebhookDelivery(models.Model):
    """Deliveries already accepted, by `X-Atlassian-Webhook-Identifier`: a retry has no effect."""

    identifier = models.CharField(max_length=200, unique=True)
    event = models.CharField(max_length=64, blank=True)
    worklog_id = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event} {self.worklog_id} ({self.identifier})"


class DeletedWorklog(models.Model):
    """A tombstone: this worklog was deleted at its source. A fetch that started before the
    delete was applied must not bring its entry back (worklog ids are never reused)."""

    source = models.CharField(max_length=10, choices=WorklogSource.choices)
    worklog_id = models.CharField(max_length=32)
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "worklog_id"], name="deleted_worklog_unique")
        ]

    def __str__(self):
        return f"{self.source} worklog {self.worklog_id} (deleted)"


class AppliedWorklog(models.Model):
    """The newest version (source update time) of each worklog the mapping has applied, whatever
    it did with it: an entry, the triage queue, ignored, a billing adjustment. A snapshot older
    than this (a webhook fetch whose answer was in flight while a poll applied a newer version)
    changes nothing; entries alone cannot tell, since ignored and queued worklogs have none and
    invoiced entries keep the invoiced version.

    Pruning: the row of a deleted worklog goes with its deletion (`mapping.remove_worklog`), since
    the `DeletedWorklog` tombstone, checked first and never removed, refuses every version after
    it. The other rows must stay however old they are: an older snapshot can still arrive (a
    fetched answer waits for the row lock, a paused worker resumes, a webhook job is retried) and
    worklogs are edited months later, so no age is provably safe; without its row, a stale
    snapshot of an ignored, queued or invoiced worklog would be applied again (an entry back, a
    reversing adjustment), which breaks exactly-once. Their number is bounded by the worklogs
    the firm has: about one per time entry."""

    source = models.CharField(max_length=10, choices=WorklogSource.choices)
    worklog_id = models.CharField(max_length=32)
    source_updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "worklog_id"], name="applied_worklog_unique")
        ]

    def __str__(self):
        return f"{self.source} worklog {self.worklog_id} as of {self.source_updated_at}"
