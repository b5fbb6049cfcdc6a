"""Every insights table as plain cells: the page renders these and the CSV export writes the
same cells, so the two always show the same numbers (money with 2 decimals, hours with 2)."""

from dataclasses import dataclass, field
from decimal import Decimal

from core.units import minutes_to_hours, money

from .selectors import (
    ClientMargin,
    ExpiringBlock,
    HoursChart,
    Margin,
    Trend,
    Utilization,
)

COST_TABLES = ("margin_clients", "margin_projects")


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()  # column indexes aligned right


def hours_text(minutes: int) -> str:
    return f"{minutes_to_hours(minutes):.2f}"


def money_text(value: Decimal | None) -> str:
    return "" if value is None else f"{money(value):.2f}"


def percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value}"


def hours_table(chart: HoursChart) -> Table:
    columns = [chart.bucket.capitalize()] + [label for label, _ in chart.series] + ["Total"]
    rows = []
    for i, label in enumerate(chart.labels):
        values = [minutes[i] for _, minutes in chart.series]
        rows.append([label] + [hours_text(m) for m in values] + [hours_text(sum(values))])
    totals = [sum(minutes) for _, minutes in chart.series]
    rows.append(["Total"] + [hours_text(m) for m in totals] + [hours_text(sum(totals))])
    return Table(
        "hours",
        "Hours consumed",
        columns,
        rows,
        numeric=frozenset(range(1, len(columns))),
    )


def utilization_table(rows: list[Utilization]) -> Table:
    return Table(
        "utilization",
        "Utilization per member",
        ["Member", "Total hours", "Billable hours", "Utilization %", "Target hours", "% of target"],
        [
            [
                row.name,
                hours_text(row.total_minutes),
                hours_text(row.billable_minutes),
                percent_text(row.utilization_percent),
                hours_text(row.target_minutes),
                percent_text(row.target_percent),
            ]
            for row in rows
        ],
        numeric=frozenset(range(1, 6)),
    )


def trends_table(rows: list[Trend]) -> Table:
    return Table(
        "trends",
        "Trends: this period against the previous one",
        ["Client", "This period (h)", "Previous period (h)", "Change (h)", "Change %"],
        [
            [
                f"{row.code} · {row.name}",
                hours_text(row.current_minutes),
                hours_text(row.previous_minutes),
                ("+" if row.change_minutes > 0 else "")
                + (
                    hours_text(row.change_minutes)
                    if row.change_minutes >= 0
                    else "-" + hours_text(-row.change_minutes)
                ),
                percent_text(row.change_percent),
            ]
            for row in rows
        ],
        numeric=frozenset(range(1, 5)),
    )


def at_risk_table(rows) -> Table:
    return Table(
        "at_risk",
        "At-risk clients",
        ["Client", "Purchased (h)", "Consumed (h)", "Remaining (h)", "Run-out date"],
        [
            [
                f"{row.client.code} · {row.client.name}",
                f"{row.balance.purchased_hours:.2f}",
                f"{row.balance.consumed_hours:.2f}",
                f"{row.balance.remaining_hours:.2f}",
                row.balance.runout_date.isoformat() if row.balance.runout_date else "",
            ]
            for row in rows
        ],
        numeric=frozenset(range(1, 4)),
    )


def money_left_table(rows) -> Table:
    return Table(
        "money_left",
        "Money left on the table",
        ["Client", "Billing mode", "Currency", "Unbilled hours", "Would bill now", "Note"],
        [
            [
                f"{row.client.code} · {row.client.name}",
                row.client.get_billing_mode_display(),
                row.currency,
                hours_text(row.unbilled_minutes),
                money_text(row.amount),
                row.problem,
            ]
            for row in rows
        ],
        numeric=frozenset({3, 4}),
    )


def expiring_table(rows: list[ExpiringBlock]) -> Table:
    return Table(
        "expiring",
        "Hour blocks expiring in the next 60 days",
        ["Client", "Block of", "Expires on", "Block (h)", "Unused (h)"],
        [
            [
                f"{row.client.code} · {row.client.name}",
                row.block_date.isoformat(),
                row.expires_on.isoformat(),
                hours_text(row.minutes),
                hours_text(row.unused_minutes),
            ]
            for row in rows
        ],
        numeric=frozenset({3, 4}),
    )


def margin_clients_table(rows: list[ClientMargin]) -> Table:
    return Table(
        "margin_clients",
        "Margin per client",
        ["Client", "Currency", "Billable value", "Cost value", "Margin"],
        [
            [
                row.client_code,
                row.currency,
                money_text(row.billable_value),
                money_text(row.cost_value),
                money_text(row.margin),
            ]
            for row in rows
        ],
        numeric=frozenset({2, 3, 4}),
    )


def margin_projects_table(rows: list[Margin]) -> Table:
    return Table(
        "margin_projects",
        "Margin per project",
        [
            "Client",
            "Project",
            "Classification",
            "Hours",
            "Billable hours",
            "Currency",
            "Billable value",
            "Cost value",
            "Margin",
        ],
        [
            [
                row.client_code,
                f"{row.project_code} · {row.project_name}",
                row.classification,
                hours_text(row.duration_minutes),
                hours_text(row.billable_minutes),
                row.currency
                if row.margin is not None
                else f"{row.billing_currency} / {row.cost_currency}",
                money_text(row.billable_value),
                money_text(row.cost_value),
                money_text(row.margin),
            ]
            for row in rows
        ],
        numeric=frozenset({3, 4, 6, 7, 8}),
    )
