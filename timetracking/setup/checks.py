"""Checks of a well-formed setup file that span rows: duplicates, references between rows, and
references to what the database already holds (owner user, a rate's client or project, a client
user's client, Jira keys and account ids, passwords of new logins)."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db.models.functions import Upper

from clients.models import Client, Project, Role, Task, UserProfile

from ..models import Member
from .errors import path_of, problem
from .schema import MemberSpec, RateSpec, SetupFile, UserSpec


def placeholder_for(row: MemberSpec) -> Member | None:
    """The placeholder member this row takes over through its `jira_account_id`, if any."""
    if not row.jira_account_id:
        return None
    return (
        Member.objects.filter(jira_account_id=row.jira_account_id, is_placeholder=True)
        .exclude(user__username=row.username)
        .select_related("user")
        .first()
    )


class SetupChecks:
    def __init__(self, setup: SetupFile):
        self.setup = setup
        self.errors: list[str] = []
        self.client_currency: dict[str, str] = {}  # client code in the file → its currency
        self.project_client: dict[str, str] = {}  # project code in the file → its client code
        self.user_rows: dict[str, tuple[UserSpec, str]] = {}  # username → (row, path)
        self.member_rows: dict[str, tuple[MemberSpec, str]] = {}

    def run(self) -> list[str]:
        self.check_repeated_rows()
        self.check_clients()
        self.check_users()
        self.check_members()
        self.check_owners()
        self.check_passwords()
        return self.errors

    def error(self, path: str, message: str) -> None:
        self.errors.append(problem(path, message))

    def no_duplicates(self, rows: list, at: tuple, what: str, key) -> None:
        """Report a row (of the list at path `at`) whose identity repeats an earlier row's."""
        seen: dict = {}
        for index, row in enumerate(rows):
            row_path = path_of(*at, index)
            row_key = key(row)
            if row_key in seen:
                self.error(row_path, f"duplicate {what} of {seen[row_key]}")
            else:
                seen[row_key] = row_path

    def check_repeated_rows(self) -> None:
        for c, client in enumerate(self.setup.clients):
            self.no_duplicates(
                client.purchases,
                ("clients", c, "purchases"),
                "purchase (same date, hours and note)",
                lambda p: (p.date, p.hours, p.note),
            )
            for p, project in enumerate(client.projects):
                self.no_duplicates(
                    project.tasks,
                    ("clients", c, "projects", p, "tasks"),
                    "task",
                    lambda t: (t.jira_issue_key or "").upper() or ("name", t.name),
                )
        for m, member in enumerate(self.setup.members):
            self.no_duplicates(
                member.rates,
                ("members", m, "rates"),
                "rate (same level and valid_from)",
                lambda r: (r.client, r.project, r.valid_from),
            )
            self.no_duplicates(
                member.cost_rates,
                ("members", m, "cost_rates"),
                "cost rate (same valid_from)",
                lambda r: r.valid_from,
            )

    def currency_of_client(self, code: str) -> str | None:
        if code in self.client_currency:
            return self.client_currency[code]
        client = Client.objects.filter(code=code).first()
        return client.currency if client else None

    def currency_of_project(self, code: str) -> str | None:
        if code in self.project_client:
            return self.currency_of_client(self.project_client[code])
        project = Project.objects.filter(code=code).select_related("client").first()
        return project.client.currency if project else None

    def check_clients(self) -> None:
        client_paths: dict[str, str] = {}
        project_paths: dict[str, str] = {}
        issue_keys: dict[str, tuple[str, str]] = {}  # upper-case Jira key → (project code, path)
        db_currency = dict(
            Client.objects.filter(code__in=[row.code for row in self.setup.clients]).values_list(
                "code", "currency"
            )
        )
        default_currency = Client._meta.get_field("currency").default
        for c, row in enumerate(self.setup.clients):
            if row.code in client_paths:
                self.error(
                    path_of("clients", c, "code"),
                    f"duplicate client {row.code!r} (also at {client_paths[row.code]})",
                )
                continue
            client_paths[row.code] = path_of("clients", c)
            self.client_currency[row.code] = row.currency or db_currency.get(
                row.code, default_currency
            )
            for p, project in enumerate(row.projects):
                project_path = path_of("clients", c, "projects", p)
                if project.code in project_paths:
                    self.error(
                        path_of(project_path, "code"),
                        f"project code {project.code!r} is also used at {project_paths[project.code]}; "
                        "project codes are unique firm-wide",
                    )
                    continue
                self.project_client[project.code] = row.code
                project_paths[project.code] = project_path
                for t, task in enumerate(project.tasks):
                    if not task.jira_issue_key:
                        continue
                    key_path = path_of(project_path, "tasks", t, "jira_issue_key")
                    other_project, _ = issue_keys.setdefault(
                        task.jira_issue_key.upper(), (project.code, key_path)
                    )
                    if other_project != project.code:
                        self.error(
                            key_path,
                            f"{task.jira_issue_key!r} is also a task of project {other_project!r}",
                        )

        stored = Project.objects.filter(code__in=list(project_paths)).select_related("client")
        for project in stored:
            if project.client.code != self.project_client[project.code]:
                self.error(
                    path_of(project_paths[project.code], "code"),
                    f"project {project.code!r} already belongs to client {project.client.code!r}; "
                    "project codes are unique firm-wide",
                )
        linked = Task.objects.annotate(key_upper=Upper("jira_issue_key")).filter(
            key_upper__in=list(issue_keys)
        )
        for task in linked.select_related("project"):
            project_code, key_path = issue_keys[task.key_upper]
            if task.project.code != project_code:
                self.error(
                    key_path,
                    f"issue {task.jira_issue_key!r} is already a task of project {task.project.code!r}",
                )

    def check_users(self) -> None:
        member_names = {row.username for row in self.setup.members}
        for u, row in enumerate(self.setup.users):
            path = path_of("users", u)
            if row.username in self.user_rows:
                self.error(
                    path_of(path, "username"),
                    f"duplicate user {row.username!r} (also at {self.user_rows[row.username][1]})",
                )
                continue
            self.user_rows[row.username] = (row, path)
            if row.client and self.currency_of_client(row.client) is None:
                self.error(
                    path_of(path, "client"),
                    f"unknown client {row.client!r}; add it under clients or use an existing code",
                )
            if row.role == Role.CLIENT and (
                row.username in member_names
                or Member.objects.filter(user__username=row.username).exists()
            ):
                self.error(
                    path_of(path, "role"),
                    f"{row.username!r} is a member (logs time); a client user cannot be one",
                )

    def check_members(self) -> None:
        account_paths: dict[str, str] = {}
        for m, row in enumerate(self.setup.members):
            path = path_of("members", m)
            if row.username in self.member_rows:
                self.error(
                    path_of(path, "username"),
                    f"duplicate member {row.username!r} (also at {self.member_rows[row.username][1]})",
                )
                continue
            self.member_rows[row.username] = (row, path)
            user_row, user_path = self.user_rows.get(row.username, (None, None))
            if user_row is None:
                profile = UserProfile.objects.filter(user__username=row.username).first()
                if profile and profile.role == Role.CLIENT:
                    self.error(
                        path_of(path, "username"),
                        f"{row.username!r} is a client user; members must be staff "
                        "(add a users row with a staff role)",
                    )
            elif row.email is not None and user_row.email is not None:
                if row.email != user_row.email:
                    self.error(
                        path_of(path, "email"),
                        f"differs from {path_of(user_path, 'email')} ({user_row.email!r}); "
                        "give one email",
                    )
            if row.jira_account_id:
                account_path = path_of(path, "jira_account_id")
                if row.jira_account_id in account_paths:
                    self.error(
                        account_path,
                        f"also given to the member at {account_paths[row.jira_account_id]}",
                    )
                account_paths.setdefault(row.jira_account_id, path)
                self.check_account(row, account_path)
            for r, rate in enumerate(row.rates):
                self.check_rate(rate, path_of(path, "rates", r))

    def check_account(self, row: MemberSpec, path: str) -> None:
        account_id = row.jira_account_id
        holder = Member.objects.filter(jira_account_id=account_id).select_related("user").first()
        if holder is None or holder.user.username == row.username:
            return
        if not holder.is_placeholder:
            self.error(path, f"{account_id!r} already belongs to member {holder.user.username!r}")
        elif Member.objects.filter(user__username=row.username).exists():
            # Merging two members' entries would re-price them; a person decides that by hand.
            self.error(
                path,
                f"{account_id!r} belongs to placeholder {holder.user.username!r} with its entries, "
                f"but {row.username!r} is already a member; move the entries first or leave "
                "jira_account_id out",
            )

    def check_rate(self, rate: RateSpec, path: str) -> None:
        if rate.client:
            currency = self.currency_of_client(rate.client)
            if currency is None:
                self.error(
                    path_of(path, "client"),
                    f"unknown client {rate.client!r}; add it under clients or use an existing code",
                )
                return
        elif rate.project:
            currency = self.currency_of_project(rate.project)
            if currency is None:
                self.error(
                    path_of(path, "project"),
                    f"unknown project {rate.project!r}; add it under a client's projects "
                    "or use an existing code",
                )
                return
        else:
            return  # a member's default rate may be in any currency
        if rate.currency != currency:
            self.error(
                path_of(path, "currency"),
                f"must be the client's currency {currency!r} for a client or project rate "
                f"(got {rate.currency!r})",
            )

    def check_owners(self) -> None:
        for c, row in enumerate(self.setup.clients):
            if not row.owner:
                continue
            path = path_of("clients", c, "owner")
            if row.owner in self.user_rows:
                role = self.user_rows[row.owner][0].role
            elif row.owner in self.member_rows:
                continue
            else:
                user = get_user_model().objects.filter(username=row.owner).first()
                if user is None:
                    self.error(
                        path,
                        f"unknown user {row.owner!r}; add it under users or members, or use an "
                        "existing username",
                    )
                    continue
                role = UserProfile.objects.filter(user=user).values_list("role", flat=True).first()
            if role == Role.CLIENT:
                self.error(
                    path, f"{row.owner!r} is a client user; the owner must be staff, e.g. a manager"
                )

    def check_passwords(self) -> None:
        # Passwords are set only on new logins (a placeholder takeover renames one into a new login).
        User = get_user_model()
        existing = set(
            User.objects.filter(username__in=list(self.user_rows)).values_list(
                "username", flat=True
            )
        )
        for row, path in self.user_rows.values():
            if not row.password or row.username in existing:
                continue
            try:
                password_validation.validate_password(
                    row.password, User(username=row.username, email=row.email or "")
                )
            except ValidationError as invalid:
                self.error(path_of(path, "password"), " ".join(invalid.messages))
