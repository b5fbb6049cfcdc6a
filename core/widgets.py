"""Form widgets shared by the pages."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class PlainSelect(forms.Select):
    """A single `<select>` of flat choices built straight from the choices: Django's
    per-option dictionaries and templates cost about a millisecond an option, so a picker of a
    firm's thousands of projects made a page grow with the firm. Same markup as
    `forms.Select` (attributes, the chosen option `selected`, labels escaped)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, " selected" if str(choice) in chosen else "", label)
                for choice, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )
