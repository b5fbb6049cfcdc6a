"""The setup file (INTERFACES §1.1) as Pydantic models. Every object refuses unknown keys; a key
left out is not in `model_fields_set`, so it keeps an existing row's value (a new row gets the
model default). `null` is accepted only where a field may be cleared."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from clients.models import Role

from .values import (
    BadValue,
    BillingModeChoice,
    Bool,
    ClassificationChoice,
    Code,
    ContactEmail,
    Currency,
    Date,
    Dec,
    Email,
    ExclusionChoice,
    Hours,
    Int,
    IssueKey,
    Money,
    Multiplier,
    Password,
    ProjectStatusChoice,
    PurchaseHours,
    RoleChoice,
    RoundingChoice,
    RoundingIncrement,
    Text,
    Time,
    Timezone,
    Username,
    Weekday,
    shown,
)


class FieldProblem(BadValue):
    """A rule across the fields of one object, reported at `key` of that object (or the object)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class SetupObject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def given(self, *, exclude: tuple = (), rename: dict | None = None) -> dict:
        """{model field: value} of the keys the file gave (nested objects and lists excluded)."""
        rename = rename or {}
        return {
            rename.get(name, name): getattr(self, name)
            for name in type(self).model_fields
            if name in self.model_fields_set and name not in exclude
        }


class SettingsSpec(SetupObject):
    hours_per_day: Dec(places=2, example="8", positive=True, maximum=24) = None
    days_per_week: Dec(places=2, example="5", positive=True, maximum=7) = None
    invoice_prefix: Text(20, example="INV", blank=True) = None


class BusinessHoursSpec(SetupObject):
    weekdays: list[Weekday] = None
    start: Time = None
    end: Time = None

    @model_validator(mode="after")
    def _days_once_and_end_after_start(self):
        if self.weekdays is not None and len(set(self.weekdays)) != len(self.weekdays):
            raise FieldProblem(
                f"lists a day twice, e.g. [0, 1, 2, 3, 4] (got {shown(self.weekdays)})", "weekdays"
            )
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise FieldProblem(f'must be after start {self.start:%H:%M}, e.g. "18:00"', "end")
        return self

    def fields(self) -> dict:
        values = self.given(
            exclude=("weekdays",), rename={"start": "business_start", "end": "business_end"}
        )
        if "weekdays" in self.model_fields_set:
            values["business_weekdays"] = sorted(self.weekdays)
        return values


class RoundingSpec(SetupObject):
    method: RoundingChoice = None
    increment_minutes: RoundingIncrement = None

    def fields(self) -> dict:
        return self.given(
            rename={"method": "rounding_method", "increment_minutes": "rounding_increment_minutes"}
        )


class MultipliersSpec(SetupObject):
    standard: Multiplier = None
    off_hours: Multiplier = None
    p1_p3: Multiplier = None
    p1_p3_off_hours: Multiplier = None


class PlanSpec(SetupObject):
    min_billable_minutes: Int(0, 24 * 60, example=30) = None
    rounding: RoundingSpec = None
    multipliers: MultipliersSpec = None
    support_fee: Money = None
    monitoring_fee: Money = None
    monthly_included_hours: Dec(places=2, example="10", minimum=0, below=Decimal("1E6")) | None = (
        None
    )
    overtime_rate: Money | None = None
    rollover_cap_hours: Dec(places=2, example="0", minimum=0, below=Decimal("1E6")) = None
    overage_rate: Money | None = None
    critical_priorities: list[Text(100, example="P1")] = None

    def fields(self) -> dict:
        """Plan fields except `multipliers`, which merge into the stored ones."""
        values = self.given(exclude=("rounding", "multipliers"))
        if "rounding" in self.model_fields_set:
            values.update(self.rounding.fields())
        return values


class PurchaseSpec(SetupObject):
    date: Date
    hours: PurchaseHours
    note: Text(300, example="Initial block", blank=True) = ""
    price: Money | None = None
    expires_on: Date | None = None


class TaskSpec(SetupObject):
    name: Text(300, example="Checkout bug")
    jira_issue_key: IssueKey | None = None
    is_active: Bool = None


class ProjectSpec(SetupObject):
    code: Code
    name: Text(200, example="Website")
    classification: ClassificationChoice = None
    status: ProjectStatusChoice = None
    budget_hours: Hours | None = None
    budget_amount: Money | None = None
    jira_project_keys: list[Text(255, example="ACME")] = None
    jira_labels: list[Text(255, example="acme-web")] = None
    tasks: list[TaskSpec] = []

    def fields(self) -> dict:
        return self.given(exclude=("code", "tasks"))


class ClientSpec(SetupObject):
    code: Code
    name: Text(200, example="Acme Ltd")
    currency: Currency = None
    tax_rate: Dec(places=4, example="0.15", minimum=0, below=1) = None
    timezone: Timezone = None
    billing_mode: BillingModeChoice = None
    low_balance_hours: Hours | None = None
    low_balance_percent: Dec(places=2, example="20", minimum=0, maximum=100) | None = None
    runout_warning_weeks: Int(0, 520, example=4) = None
    owner: Username | None = None
    alert_contacts: list[ContactEmail] = None
    alert_clients_enabled: Bool = None
    is_internal: Bool = None
    is_active: Bool = None
    business_hours: BusinessHoursSpec = None
    plan: PlanSpec = None
    payment_terms_days: Int(0, 3650, example=30) = None
    purchases: list[PurchaseSpec] = []
    projects: list[ProjectSpec] = []

    def fields(self) -> dict:
        """Client fields except `owner` (a username here, a user in the database)."""
        values = self.given(
            exclude=("code", "owner", "business_hours", "plan", "purchases", "projects")
        )
        if "business_hours" in self.model_fields_set:
            values.update(self.business_hours.fields())
        return values


class RateSpec(SetupObject):
    client: Code | None = None
    project: Code | None = None
    rate: Money
    currency: Currency
    valid_from: Date

    @model_validator(mode="after")
    def _one_level(self):
        if self.client and self.project:
            raise FieldProblem(
                'give either "client" or "project", not both '
                f"(got client {self.client!r} and project {self.project!r})"
            )
        return self


class CostRateSpec(SetupObject):
    rate: Money
    currency: Currency
    valid_from: Date


class MemberSpec(SetupObject):
    username: Username
    name: Text(301, example="Alice Ngata", blank=True) = None
    email: Email = None
    jira_account_id: Text(128, example="5b10ac8d82e05b22cc7d4ef5") | None = None
    weekly_target_hours: Dec(places=2, example="40", minimum=0, maximum=168) = None
    exclusion: ExclusionChoice = None
    timezone: Timezone = None
    rates: list[RateSpec] = []
    cost_rates: list[CostRateSpec] = []

    @model_validator(mode="after")
    def _name_fits_the_login(self):
        if self.name is not None:
            first, _, last = self.name.partition(" ")
            if len(first) > 150 or len(last.strip()) > 150:
                raise FieldProblem(
                    "first and last name must be at most 150 characters each", "name"
                )
        return self

    def user_fields(self) -> dict:
        values = {"email": self.email} if "email" in self.model_fields_set else {}
        if "name" in self.model_fields_set:
            first, _, last = self.name.partition(" ")
            values.update(first_name=first, last_name=last.strip())
        return values

    def member_fields(self) -> dict:
        return self.given(exclude=("username", "name", "email", "rates", "cost_rates"))


class UserSpec(SetupObject):
    username: Username
    email: Email = None
    role: RoleChoice
    client: Code | None = None
    password: Password | None = None

    @model_validator(mode="after")
    def _client_only_for_client_users(self):
        if self.role == Role.CLIENT and not self.client:
            raise FieldProblem('is required when role is client, e.g. "client": "ACME"', "client")
        if self.role != Role.CLIENT and self.client:
            raise FieldProblem(
                f"only client users belong to a client (role is {self.role!r}); remove it or "
                "use role client",
                "client",
            )
        return self

    def user_fields(self) -> dict:
        return self.given(exclude=("username", "role", "client", "password"))


class SetupFile(SetupObject):
    settings: SettingsSpec = None
    clients: list[ClientSpec] = []
    members: list[MemberSpec] = []
    users: list[UserSpec] = []
