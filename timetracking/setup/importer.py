"""Applying a setup file: every problem is found first, then the whole file is written in one
transaction. Each object kind goes through `upsert`, which matches the existing row and saves it
only when a value differs, so that a rerun changes nothing."""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import models, transaction
from pydantic import ValidationError

from clients.models import (
    BillingPlan,
    Client,
    FirmSettings,
    HourPurchase,
    Project,
    Role,
    Task,
    UserProfile,
    default_multipliers,
)
from clients.services import add_purchase, sync_admin_access

from ..models import CostRate, Member, RateCard
from .checks import SetupChecks, placeholder_for
from .errors import SetupError, messages
from .schema import ClientSpec, MemberSpec, PlanSpec, ProjectSpec, PurchaseSpec, SetupFile, TaskSpec

COUNT_KEYS = ("clients", "projects", "tasks", "members", "users")
CREATED, UPDATED = "created", "updated"


def read_setup(data) -> tuple[SetupFile | None, list[str]]:
    """The parsed file and every problem of it, each as "path: what is wrong (example)"."""
    try:
        setup = SetupFile.model_validate(data)
    except ValidationError as invalid:
        # Cross-row checks need well-formed rows; they run once the shapes are right.
        return None, messages(invalid)
    return setup, SetupChecks(setup).run()


def validate_setup(data) -> list[str]:
    """Every problem of the file; [] when valid."""
    return read_setup(data)[1]


def import_setup(data, *, by=None) -> dict[str, int]:
    """Create or update the firm setup in `data`; counts of objects created or changed per key.

    Raises SetupError (with every problem) when the file is invalid; then nothing is written."""
    with transaction.atomic():
        setup, errors = read_setup(data)
        if errors:
            raise SetupError(errors)
        return _Importer(setup, by).run()


def save_changes(row: models.Model, values: dict) -> bool:
    """Set the values that differ and save; True when any did. Unchanged rows are never saved."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.save()
    return changed


def upsert(
    rows: models.QuerySet,
    values: dict | Callable[[models.Model | None], dict],
    *,
    new: dict | Callable[[dict], models.Model],
) -> tuple[models.Model, str | None]:
    """The first of `rows` updated with `values`, or a row made from `new` and `values`.

    `new` is the identity of the row to create (or a function creating it from `values`);
    `values` may depend on the existing row (None when there is none). The second item says
    what was written: CREATED, UPDATED or None."""
    row = rows.first()
    if callable(values):
        values = values(row)
    if row is not None:
        return row, UPDATED if save_changes(row, values) else None
    if callable(new):
        return new(values), CREATED
    return rows.model.objects.create(**new, **values), CREATED


def _same_number(text, number: Decimal) -> bool:
    try:
        return Decimal(str(text)) == number
    except InvalidOperation:
        return False


class _Importer:
    """Writes a valid file: users first (owners), then clients, roles, members and rates."""

    def __init__(self, setup: SetupFile, by):
        self.setup = setup
        self.by = by
        self.changed = {key: set() for key in COUNT_KEYS}
        self.users: dict = {}
        self.clients: dict[str, Client] = {}
        self.projects: dict[str, Project] = {}

    def run(self) -> dict[str, int]:
        if self.setup.settings is not None:
            upsert(
                FirmSettings.objects.select_for_update().order_by("pk"),
                self.setup.settings.given(),
                new={},
            )
        for row in self.setup.members:
            self.take_over_placeholder(row)
        self.apply_users()
        for row in self.setup.clients:
            self.apply_client(row)
        self.apply_profiles()
        for row in self.setup.members:
            self.apply_member(row)
        return {key: len(self.changed[key]) for key in COUNT_KEYS}

    def take_over_placeholder(self, row: MemberSpec) -> None:
        member = (
            placeholder_for(row)
            or Member.objects.filter(user__username=row.username, is_placeholder=True)
            .select_related("user")
            .first()
        )
        if member is None:
            return
        User = get_user_model()
        user = member.user
        existing = User.objects.filter(username=row.username).first()
        if existing is not None and existing.pk != user.pk:
            # The person already has a login (without a member): the member moves to it and
            # the placeholder login, which never signed in, goes.
            placeholder_user = user
            member.user = user = existing
            member.is_placeholder = False
            member.save()
            placeholder_user.delete()
        else:
            password = next(
                (u.password for u in self.setup.users if u.username == row.username and u.password),
                None,
            )
            if user.username != row.username and password:
                user.set_password(password)  # the placeholder becomes this person's new login
            user.username = row.username
            member.is_placeholder = False
            member.save()
        user.is_active = True
        user.save()
        self.changed["members"].add(row.username)
        self.changed["users"].add(row.username)

    def apply_users(self) -> None:
        rows: dict[str, dict] = {}
        passwords: dict[str, str | None] = {}
        for row in self.setup.members:
            rows.setdefault(row.username, {}).update(row.user_fields())
        for row in self.setup.users:
            values = rows.setdefault(row.username, {})
            values.update(row.user_fields())
            # The file's role is the truth: a superuser listed as finance stops being one.
            values["is_superuser"] = row.role == Role.ADMIN
            passwords[row.username] = row.password
        users = get_user_model().objects.select_for_update()
        for username, values in rows.items():

            def new_user(values, username=username):
                user = get_user_model()(username=username, **values)
                if passwords.get(username):
                    user.set_password(passwords[username])
                else:
                    user.set_unusable_password()
                user.save()
                return user

            user, written = upsert(users.filter(username=username), values, new=new_user)
            if written:
                self.changed["users"].add(username)
            self.users[username] = user

    def apply_profiles(self) -> None:
        for row in self.setup.users:
            client = self.client_by_code(row.client) if row.client else None
            self.set_profile(row.username, {"role": row.role, "client": client})
            user = self.users[row.username]
            was_staff = user.is_staff
            # Django admin access (is_staff, the Finance group) follows the role.
            sync_admin_access(user)
            if user.is_staff != was_staff:
                self.changed["users"].add(row.username)
        user_rows = {row.username for row in self.setup.users}
        for row in self.setup.members:
            if row.username not in user_rows:
                # A member row alone never changes an existing role.
                self.set_profile(row.username, {}, new_role=Role.STAFF)

    def set_profile(self, username: str, values: dict, new_role: str | None = None) -> None:
        user = self.users[username]
        identity = {"user": user} if new_role is None else {"user": user, "role": new_role}
        _, written = upsert(UserProfile.objects.filter(user=user), values, new=identity)
        if written:
            self.changed["users"].add(username)

    def user_by_name(self, username: str):
        if username not in self.users:
            self.users[username] = get_user_model().objects.get(username=username)
        return self.users[username]

    def client_by_code(self, code: str) -> Client:
        if code not in self.clients:
            self.clients[code] = Client.objects.get(code=code)
        return self.clients[code]

    def project_by_code(self, code: str) -> Project:
        if code not in self.projects:
            self.projects[code] = Project.objects.get(code=code)
        return self.projects[code]

    def apply_client(self, row: ClientSpec) -> None:
        values = row.fields()
        if "owner" in row.model_fields_set:
            values["owner"] = self.user_by_name(row.owner) if row.owner else None
        locked = Client.objects.select_for_update(of=("self",)).filter(code=row.code)
        client, written = upsert(locked, values, new={"code": row.code})
        self.clients[row.code] = client
        changed = [written]
        if row.plan is not None or written == CREATED:
            changed.append(self.apply_plan(client, row.plan))
        for purchase in row.purchases:
            changed.append(self.apply_purchase(client, purchase))
        if any(changed):
            self.changed["clients"].add(row.code)
        for project in row.projects:
            self.apply_project(client, project)

    def apply_plan(self, client: Client, spec: PlanSpec | None) -> str | None:
        values = spec.fields() if spec is not None else {}

        def with_multipliers(plan: BillingPlan | None) -> dict:
            if spec is None or "multipliers" not in spec.model_fields_set:
                return values
            merged = dict(plan.multipliers if plan else default_multipliers())
            for key, number in spec.multipliers.given().items():
                # "1.50" and "1.5" are the same multiplier: keep the stored text then.
                if key not in merged or not _same_number(merged[key], number):
                    merged[key] = str(number)
            return {**values, "multipliers": merged}

        rows = BillingPlan.objects.filter(client=client)
        return upsert(rows, with_multipliers, new={"client": client})[1]

    def apply_purchase(self, client: Client, spec: PurchaseSpec) -> str | None:
        identity = {"date": spec.date, "hours": spec.hours, "note": spec.note}
        values = spec.given(exclude=("date", "hours", "note"))

        def new_purchase(values: dict) -> HourPurchase:
            purchase = add_purchase(
                client=client, hours=spec.hours, on_date=spec.date, note=spec.note, by=self.by
            )
            save_changes(purchase, values)
            return purchase

        rows = HourPurchase.objects.filter(client=client, **identity)
        return upsert(rows, values, new=new_purchase)[1]

    def apply_project(self, client: Client, spec: ProjectSpec) -> None:
        rows = Project.objects.filter(code=spec.code)
        project, written = upsert(rows, spec.fields(), new={"client": client, "code": spec.code})
        if written:
            self.changed["projects"].add(spec.code)
        self.projects[spec.code] = project
        for task in spec.tasks:
            self.apply_task(project, task)

    def apply_task(self, project: Project, spec: TaskSpec) -> None:
        fields = spec.given(exclude=("name", "jira_issue_key"))
        identity = {"project": project, "name": spec.name, "jira_issue_key": spec.jira_issue_key}
        if spec.jira_issue_key:
            rows = Task.objects.filter(project=project, jira_issue_key__iexact=spec.jira_issue_key)
            values = {"name": spec.name, **fields}
            identity.pop("name")
        else:
            # An unlinked task first (the constraint's namesake); else one linked since by hand.
            unlinked_first = models.Case(
                models.When(jira_issue_key__isnull=True, then=0), default=1
            )
            rows = Task.objects.filter(project=project, name=spec.name).order_by(
                unlinked_first, "pk"
            )
            values = fields
        task, written = upsert(rows, values, new=identity)
        if written:
            self.changed["tasks"].add(task.pk)

    def apply_member(self, spec: MemberSpec) -> None:
        user = self.users[spec.username]
        member, written = upsert(
            Member.objects.filter(user=user), spec.member_fields(), new={"user": user}
        )
        changed = [written]
        for rate in spec.rates:
            client = self.client_by_code(rate.client) if rate.client else None
            project = self.project_by_code(rate.project) if rate.project else None
            identity = {
                "member": member,
                "client": client,
                "project": project,
                "valid_from": rate.valid_from,
            }
            values = {"rate": rate.rate, "currency": rate.currency}
            changed.append(upsert(RateCard.objects.filter(**identity), values, new=identity)[1])
        for rate in spec.cost_rates:
            identity = {"member": member, "valid_from": rate.valid_from}
            values = {"rate": rate.rate, "currency": rate.currency}
            changed.append(upsert(CostRate.objects.filter(**identity), values, new=identity)[1])
        if any(changed):
            self.changed["members"].add(spec.username)
