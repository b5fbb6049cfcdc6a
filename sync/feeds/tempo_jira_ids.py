"""Tempo worklogs ↔ Jira worklog ids (PRODUCT §3.1). Tempo worklogs carry no Jira worklog id:
Tempo's tempo-to-jira mapping fills `jira_worklog_id`, asked again every run until Tempo knows
it, so Jira's worklog_deleted webhook finds the entry. A firm that read Jira before hands its
entries over to Tempo instead of counting the work twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from django.db.models import F

from core.lookups import AnyOf
from timetracking.models import Source, TimeEntry
from timetracking.services import EntryError, link_source_ids

from ..clients.tempo import TempoClient
from ..mapping import entry_for_worklog, retire_duplicate_entry
from ..models import SyncRun, WorklogSource
from ..page_lookups import EntryRow, PageLookups
from ..runs import page_transaction
from ..worklog import Fetched, NormalizedWorklog

logger = logging.getLogger(__name__)

TEMPO = WorklogSource.TEMPO
MAX_JIRA_IDS_ASKED_PER_RUN = 5000  # entries still waiting for their Jira worklog id


@dataclass
class JiraIdAnswers:
    """What one run asked Tempo's tempo-to-jira mapping, and its answers."""

    asked: set[str] = field(default_factory=set)  # tempo ids asked
    known: dict[str, str] = field(default_factory=dict)  # tempo id → Jira worklog id

    def ask(self, tempo: TempoClient, tempo_ids) -> None:
        tempo_ids = [tempo_id for tempo_id in tempo_ids if tempo_id not in self.asked]
        if tempo_ids:
            self.known.update(tempo.tempo_to_jira(tempo_ids))
            self.asked.update(tempo_ids)


def with_jira_ids(
    tempo: TempoClient, answers: JiraIdAnswers, fetched: list[Fetched]
) -> list[Fetched]:
    """Ask Tempo for the Jira worklog ids of a page, so new entries are written with both ids."""
    wanted = {w.worklog_id for w, _ in fetched} - answers.asked
    wanted -= set(  # entries that have their Jira id already need no question
        TimeEntry.objects.filter(AnyOf(F("tempo_worklog_id"), list(wanted)))
        .filter(jira_worklog_id__isnull=False)
        .order_by()
        .values_list("tempo_worklog_id", flat=True)
    )
    if not wanted:
        return fetched
    answers.ask(tempo, wanted)
    known = answers.known
    return [
        (replace(w, jira_worklog_id=known[w.worklog_id]) if w.worklog_id in known else w, raw)
        for w, raw in fetched
    ]


def adopting_jira_entry(
    worklog: NormalizedWorklog, lookups: PageLookups | None = None
) -> NormalizedWorklog:
    """A worklog the Jira sync already brought in (the firm read Jira before): Tempo takes that
    entry over instead of writing a second one. Returns the worklog to apply; an entry taken
    over joins the page's `lookups`."""
    if not worklog.jira_worklog_id:
        return worklog
    covered = lookups is not None and lookups.covers(worklog)
    if covered and worklog.worklog_id in lookups.entries:
        return worklog
    if not covered and entry_for_worklog(TEMPO, worklog.worklog_id):
        return worklog
    holder = (
        lookups.jira_holders.get(worklog.jira_worklog_id)
        if covered
        else TimeEntry.objects.filter(jira_worklog_id=worklog.jira_worklog_id).first()
    )
    if holder is None:
        return worklog
    if holder.tempo_worklog_id is None:
        # The handover drops Jira's update time, so Tempo's version is applied in full.
        try:
            adopted = link_source_ids(
                holder, tempo_worklog_id=worklog.worklog_id, source=Source.TEMPO
            )
        except EntryError as error:
            logger.warning("Tempo worklog %s: %s", worklog.worklog_id, error.message)
            return replace(worklog, jira_worklog_id=None)
        if covered:
            lookups.entries[worklog.worklog_id] = EntryRow.of(adopted)
        return worklog
    logger.warning(
        "Jira worklog %s is already on the entry of Tempo worklog %s; entry of %s written without it",
        worklog.jira_worklog_id,
        holder.tempo_worklog_id,
        worklog.worklog_id,
    )
    return replace(worklog, jira_worklog_id=None)


def fill_jira_ids(tempo: TempoClient, run: SyncRun, answers: JiraIdAnswers) -> None:
    """Entries written before Tempo could map them get their Jira worklog id now (from this
    run's answers, or by asking for the ones no page of this run brought)."""
    waiting = list(
        TimeEntry.objects.filter(
            source=Source.TEMPO, tempo_worklog_id__isnull=False, jira_worklog_id__isnull=True
        )
        .order_by("-date", "-id")
        .values_list("tempo_worklog_id", flat=True)[:MAX_JIRA_IDS_ASKED_PER_RUN]
    )
    answers.ask(tempo, waiting)
    known = {tempo_id: answers.known[tempo_id] for tempo_id in waiting if tempo_id in answers.known}
    if not known:
        return
    with page_transaction(run) as (_, counts):
        for tempo_id, jira_id in sorted(known.items()):
            entry = entry_for_worklog(TEMPO, tempo_id)
            if entry is None or entry.jira_worklog_id:
                continue
            holder = TimeEntry.objects.filter(jira_worklog_id=jira_id).first()
            if holder is not None:
                if holder.tempo_worklog_id is not None:
                    logger.warning(
                        "Jira worklog %s is already on the entry of Tempo worklog %s, not %s",
                        jira_id,
                        holder.tempo_worklog_id,
                        tempo_id,
                    )
                    continue
                # The Jira sync wrote this work before Tempo did: count it once.
                if retire_duplicate_entry(holder, entry):
                    counts["deleted"] += 1
                if TimeEntry.objects.filter(pk=holder.pk).exists():
                    continue  # invoiced: it stays (credited by an adjustment) and keeps the id
            try:
                link_source_ids(entry, jira_worklog_id=jira_id)
            except EntryError as error:
                logger.warning("Tempo worklog %s: %s", tempo_id, error.message)
