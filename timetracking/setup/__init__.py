"""The firm setup file (INTERFACES §1.1): read by Pydantic models (`schema`), checked across rows
and against the database (`checks`), then applied in one transaction (`importer`), matching
existing rows so that a rerun changes nothing. Used by `manage.py import_setup` and `seed_demo`.

Rules of the format that are not spelled out in the contract:
- A key left out keeps the current value of an existing object; a new object gets the default.
  `null` is a value (it clears a nullable field).
- `plan.rounding.increment_minutes` accepts 1, 5, 6, 10, 12, 15, 20, 30 or 60
  (`clients.models.ROUNDING_INCREMENTS`).
- `plan.multipliers` may name only some of its four keys; the others keep their value.
- A purchase's `price` and `expires_on` update the purchase matched by (date, hours, note).
- A member row alone gives a new user the role `staff`; an existing user's role changes only
  through a `users` row. A `users` row's role decides `is_superuser` (admin only), and
  `clients.services.sync_admin_access` then gives Django admin access by role.
- A placeholder takeover is the creation of that person's login, so a `users` password is set.
- Counts: `clients` counts a client whose row, plan or purchases changed; `members` a member
  whose row, rates or cost rates changed; `users` a login whose User row (including a member's
  name and email) or role profile changed.
- Checks across rows (duplicates, references, the database) run once every row is well-formed.
"""

from .errors import SetupError
from .importer import COUNT_KEYS, import_setup, validate_setup

__all__ = ["COUNT_KEYS", "SetupError", "import_setup", "validate_setup"]
