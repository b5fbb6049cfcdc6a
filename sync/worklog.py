"""The normalized worklog (PRODUCT §3.1): what both feeds hand to the mapping, whatever their
source's payload looked like. A payload that cannot be read raises `MalformedWorklog`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time


class MalformedWorklog(ValueError):
    """The payload lacks or garbles a field the mapping needs; the message names it."""


def parse_timestamp(value, field: str, example: str) -> datetime:
    """An ISO 8601 timestamp, or MalformedWorklog naming the field and an accepted example."""
    if not isinstance(value, str) or not value:
        raise MalformedWorklog(f"'{field}' is missing; expected a timestamp such as {example}.")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise MalformedWorklog(
            f"'{field}' is not a timestamp: {value!r} (expected e.g. {example})."
        ) from None


@dataclass(frozen=True)
class NormalizedWorklog:
    """A worklog as both sources describe it. Times: `started_at` is a UTC instant (None when the
    source has none); `local_date`/`local_time` are the worker's own day and clock time."""

    source: str  # "jira" or "tempo"
    worklog_id: str  # the source's id (Jira worklog id, or Tempo's tempoWorklogId)
    issue_id: str
    author_account_id: str
    author_display_name: str
    author_timezone: str | None
    started_at: datetime | None
    local_date: date
    local_time: time | None
    duration_minutes: int
    description: str
    updated_at: datetime
    issue_key: str | None = None
    # Tempo: minutes from billableSeconds (0 = not billable); None = bill the duration and take
    # the billable flag from the project's classification (Jira).
    billable_base_minutes: int | None = None
    # Tempo: the Jira worklog id from Tempo's tempo-to-jira mapping, when known.
    jira_worklog_id: str | None = None

    def as_payload(self) -> dict:
        data = asdict(self)
        for name in ("started_at", "local_date", "local_time", "updated_at"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data

    @classmethod
    def from_payload(cls, data: dict) -> NormalizedWorklog:
        data = dict(data)
        data["started_at"] = (
            datetime.fromisoformat(data["started_at"]) if data.get("started_at") else None
        )
        data["local_date"] = date.fromisoformat(data["local_date"])
        data["local_time"] = (
            time.fromisoformat(data["local_time"]) if data.get("local_time") else None
        )
        data["updated_at"] = datetime.fromisoformat(data["updated_at"])
        return cls(**data)

    @property
    def billable_flag(self) -> bool | None:
        """Tempo decides billability per worklog; Jira leaves it to the project (None)."""
        return None if self.billable_base_minutes is None else self.billable_base_minutes > 0


# A fetched worklog with the payload it came from (quarantined as such if the rules refuse it).
Fetched = tuple[NormalizedWorklog, object]


def page_order(pair: Fetched) -> tuple[datetime, int]:
    """The order a page's worklogs are applied in: oldest change first, ties by id."""
    return pair[0].updated_at, int(pair[0].worklog_id)
