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


class EntryNotFound(EntryError):
    """The entry vanished between the request's read and its write (e.g. deleted in parallel):
    the API answers 404, pages show the message."""

    status = 404

    @classmethod
    def for_entry(cls, entry_id) -> "EntryNotFound":
        return cls(f"Time entry {entry_id} no longer exists; it was deleted meanwhile.")


class EntryBusy(EntryError):
    """Another write keeps changing the entry while this one waits for its locks."""

    status = 409
