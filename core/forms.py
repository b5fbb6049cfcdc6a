"""Form fields shared by the pages."""

from collections.abc import Callable

from django import forms
from django.forms.models import ModelChoiceIterator

from .widgets import PlainSelect


class RowChoiceIterator(ModelChoiceIterator):
    """The options as `(pk, label)` read with `values_list`: a picker of a firm's thousands of
    projects built a model instance (and its related client, JSON fields and all) per option,
    which cost insights about 190 ms a load. Read once per form, like the queryset cache."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.field.option_rows()


class RowModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose options are labelled from columns (`label_fields`, passed to
    `label_from_row` in that order) instead of instances. Validation is the same: the chosen
    value is looked up in the queryset and cleans to an instance."""

    iterator = RowChoiceIterator
    widget = PlainSelect

    def __init__(
        self,
        queryset,
        *,
        label_fields: tuple[str, ...],
        label_from_row: Callable[..., str],
        **kwargs,
    ):
        self.label_fields = label_fields
        self.label_from_row = label_from_row
        self._option_rows = None
        super().__init__(queryset, **kwargs)

    def _set_queryset(self, queryset):
        self._option_rows = None  # a new queryset (each form's deep copy gets one) reads anew
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def option_rows(self) -> list[tuple[int, str]]:
        if self._option_rows is None:
            rows = self.queryset.values_list("pk", *self.label_fields)
            self._option_rows = [(row[0], self.label_from_row(*row[1:])) for row in rows]
        return self._option_rows
