"""Refusals of the timetracking writes; the API and the pages map `status` to an answer."""


class EntryError(Exception):
    """Base of refusals; `message` is shown to the user as it is."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class EntryInvalid(EntryError):
    pass


class EntryLocked(EntryError):
    status = 409


class EntrySourceConflict(EntryError):
    status = 409
