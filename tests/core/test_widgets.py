"""PlainSelect and DateInput render the same markup as Django's Select and DateInput."""

import datetime
import re

from django import forms
from django.utils.safestring import mark_safe

from core.widgets import DateInput, PlainSelect

CHOICES = [("", "All"), (1, "A & B"), (2, "<x>"), ('a"b', mark_safe("<b>safe</b>"))]


def normalized(html: str) -> list[str]:
    """Tags and texts, attributes sorted, whitespace between tags dropped."""
    tokens = re.findall(r"<[^>]+>|[^<]+", re.sub(r">\s+<", "><", html.strip()))
    return [
        " ".join(sorted(token.strip("<>").split())) if token.startswith("<") else token
        for token in tokens
    ]


def test_same_markup_as_django_select():
    for value in (None, 2, "1"):
        attrs = {"id": "id_x", "class": "c"}
        django = forms.Select(attrs=attrs, choices=CHOICES).render("x", value)
        plain = PlainSelect(attrs=attrs, choices=CHOICES).render("x", value)
        assert normalized(plain) == normalized(django)
    assert "&lt;x&gt;</option>" in plain and 'value="1" selected' in plain


def test_date_input_is_django_date_input_written_straight_out():
    class DjangoDateInput(forms.DateInput):
        input_type = "date"

    values = (None, "", datetime.date(2026, 3, 2), "2026-13-01", '"><script>')
    for value in values:
        for attrs in ({"id": "id_d"}, {"id": "id_d", "required": True, "aria-invalid": "true"}):
            django = DjangoDateInput(format="%Y-%m-%d").render("date_from", value, attrs)
            plain = DateInput().render("date_from", value, attrs)
            assert normalized(plain) == normalized(django), value
    assert 'value="2026-03-02"' in DateInput().render("d", datetime.date(2026, 3, 2))
    assert "<script>" not in DateInput().render("d", '"><script>')
