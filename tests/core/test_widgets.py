"""PlainSelect renders the same select as Django's Select."""

import re

from django import forms
from django.utils.safestring import mark_safe

from core.widgets import PlainSelect

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
