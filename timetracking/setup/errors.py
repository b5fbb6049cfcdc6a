"""Problems of a setup file, each as `path: what is wrong (an accepted example)`, where the path
is written as in the file: `clients[0].projects[1].classification`."""

import typing

from pydantic import BaseModel, ValidationError

from .schema import FieldProblem, SetupFile
from .values import shown


class SetupError(Exception):
    """The file is invalid; `errors` names every problem found (nothing was written)."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        count = len(self.errors)
        summary = f"{count} problem{'s' if count != 1 else ''} in the setup file: "
        super().__init__(summary + "; ".join(self.errors))


def path_of(*parts) -> str:
    """`("clients", 0, "code")` → `clients[0].code`."""
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def problem(path: str, message: str) -> str:
    return f"{path}: {message}" if path else message


def _object_at(loc: tuple) -> type[BaseModel]:
    """The model of the object at `loc` (list indexes step into the list's items)."""
    model = SetupFile
    for part in loc:
        if isinstance(part, int):
            continue
        model = _model_in(model.model_fields[part].annotation)
    return model


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def messages(invalid: ValidationError) -> list[str]:
    """Pydantic's errors in the file's own words."""
    found = []
    for error in invalid.errors():
        loc, kind, given = tuple(error["loc"]), error["type"], error.get("input")
        cause = (error.get("ctx") or {}).get("error")
        if kind == "extra_forbidden":
            allowed = ", ".join(_object_at(loc[:-1]).model_fields)
            message = f"unknown key (allowed: {allowed})"
        elif kind == "missing":
            message = "is required"
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            message = f"must be an object {{…}} (got {shown(given)})"
        elif kind == "list_type":
            message = f"must be a list […] (got {shown(given)})"
        elif isinstance(cause, FieldProblem):
            loc = (*loc, cause.key) if cause.key else loc
            message = str(cause)
        elif cause is not None:
            message = str(cause)
        else:
            message = error["msg"]
        found.append(problem(path_of(*loc) or "the file", message))
    return found
