"""Form widgets shared by the pages."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe


def _html_text(value) -> str:
    """`conditional_escape` without its per-call wrappers: safe strings as they are, anything
    else escaped (a picker escapes thousands of labels per page)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class PlainSelect(forms.Select):
    """A single `<select>` of flat choices built straight from the choices: Django's
    per-option dictionaries and templates cost about a millisecond an option, so a picker of a
    firm's thousands of projects made a page grow with the firm. Same markup as
    `forms.Select` (attributes, the chosen option `selected`, labels escaped)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{_html_text(choice)}"'
            f"{' selected' if str(choice) in chosen else ''}>{_html_text(label)}</option>"
            for choice, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        # Safe: every name, value and label in it went through `_html_text` or `flatatt`.
        return mark_safe(f'<select name="{_html_text(name)}"{attributes}>{options}</select>')


class DateInput(forms.DateInput):
    """`<input type="date">` with ISO values (what the browser's picker reads and sends),
    written straight out like `PlainSelect`: the template each Django input renders through
    (input, then attrs) cost a tenth of a millisecond per field on every filtered page."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        value_attribute = "" if value is None else f' value="{_html_text(value)}"'
        # Safe: the name and value went through `_html_text`, the attributes through `flatatt`.
        return mark_safe(
            f'<input type="date" name="{_html_text(name)}"{value_attribute}{attributes}>'
        )
