"""peek_page: pages of a newest-first list without counting it."""

from core.pagination import peek_page


class Counted(list):
    """A list that fails the test if anything asks its length (a count of the whole list)."""

    def __len__(self):
        raise AssertionError("peek_page counted the list")


def test_pages_read_one_row_more_than_they_show_and_never_count():
    rows = Counted(range(45))
    first = peek_page(rows, None, 20)
    assert (first.number, list(first), first.has_previous(), first.has_next()) == (
        1,
        list(range(20)),
        False,
        True,
    )
    assert first.next_page_number() == 2 and first.has_other_pages()
    last = peek_page(rows, "3", 20)
    assert list(last) == list(range(40, 45)) and not last.has_next() and last.has_previous()
    assert last.previous_page_number() == 2


def test_exactly_full_last_page_has_no_older_page():
    page = peek_page(Counted(range(40)), 2, 20)
    assert len(page) == 20 and not page.has_next()


def test_bad_numbers_mean_the_first_page_and_past_the_end_is_empty():
    rows = Counted(range(5))
    for number in ("", "x", "0", "-2", "1.5", None):
        assert peek_page(rows, number, 20).number == 1
    beyond = peek_page(rows, 4, 20)
    assert list(beyond) == [] and beyond.has_previous() and not beyond.has_next()
    assert not peek_page(rows, 1, 20).has_other_pages()
