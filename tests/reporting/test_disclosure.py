"""Disclosure control: small counts masked, and no masked count recomputable from what is published.

Every expected table below is written by hand (threshold 10 unless told)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.reporting.disclosure import (
    Series,
    Table,
    default_threshold,
    display,
    is_protected,
    suppress,
)

X = None  # a masked count


def test_series_one_small_category_masks_the_smallest_other_one():
    series = Series.from_counts(["A", "B", "C", "D"], [12, 3, 25, 40])
    assert series.total == 80
    assert suppress(series, 10) == Series(("A", "B", "C", "D"), (X, X, 25, 40), 80)


def test_table_one_small_cell_masks_a_rectangle():
    table = Table.from_counts(
        ["r0", "r1", "r2"],
        ["A", "B", "C"],
        [
            [20, 15, 3],
            [12, 30, 25],
            [40, 18, 22],
        ],
    )
    # 3 is masked; then 15 (the smallest other one of its row), 18 (the smallest other one of column
    # B), and 22, which closes both row r2 and column C: the fourth corner.
    assert suppress(table, 10) == Table(
        ("r0", "r1", "r2"),
        ("A", "B", "C"),
        (
            (20, X, X),
            (12, 30, 25),
            (40, X, X),
        ),
        (38, 67, 80),
        (72, 63, 50),
        185,
    )


def test_a_masked_total_is_not_recomputable_from_the_grand_total():
    table = Table.from_counts(["r0", "r1"], ["A", "B"], [[4, 3], [20, 30]])
    # Row r0 and its total 7 are small. Columns A and B then need a second mask (20, then 30, which
    # also closes row r1), and the total 7 = 57 - 50 needs the other row total masked.
    assert suppress(table, 10) == Table(
        ("r0", "r1"),
        ("A", "B"),
        ((X, X), (X, X)),
        (X, X),
        (24, 33),
        57,
    )


def test_all_counts_below_the_threshold():
    assert suppress(Series.from_counts(["A", "B", "C"], [3, 4, 2]), 10) == Series(
        ("A", "B", "C"), (X, X, X), X
    )
    table = Table.from_counts(["r0", "r1"], ["A", "B"], [[2, 3], [4, 1]])
    assert suppress(table, 10) == Table(("r0", "r1"), ("A", "B"), ((X, X), (X, X)), (X, X), (X, X), 10)


def test_zeros_stay_visible_by_default_and_are_masked_on_request():
    series = Series.from_counts(["A", "B", "C", "D"], [0, 15, 3, 20])
    # The zero is not sensitive, and is the last choice for a secondary mask: 15 is taken.
    assert suppress(series, 10) == Series(("A", "B", "C", "D"), (0, X, X, 20), 38)
    # With mask_zeros, 0 and 3 are both masked: the line already holds two masked cells.
    assert suppress(series, 10, mask_zeros=True) == Series(("A", "B", "C", "D"), (X, 15, X, 20), 38)


def test_zero_in_a_small_row():
    table = Table.from_counts(["r0", "r1"], ["A", "B"], [[5, 0], [20, 30]])
    # 5 and the row total 5 are masked; column A then needs 20; row r1 then takes its total 50
    # rather than 30, since that also closes the column of row totals.
    assert suppress(table, 10) == Table(
        ("r0", "r1"),
        ("A", "B"),
        ((X, 0), (X, 30)),
        (X, X),
        (25, 30),
        55,
    )


def test_threshold_one_masks_nothing():
    table = Table.from_counts(["r0", "r1"], ["A", "B"], [[1, 0], [2, 30]])
    assert suppress(table, 1) == table
    assert is_protected(table, 1) == []


def test_is_protected_finds_leaks_and_none_after_suppress():
    raw = Series.from_counts(["A", "B", "C", "D"], [12, 3, 25, 40])
    assert is_protected(raw, 10) == ["« B » : effectif visible 3, sous le seuil de diffusion 10."]
    only_one_masked = Series(("A", "B", "C", "D"), (12, X, 25, 40), 80)
    assert is_protected(only_one_masked, 10) == [
        "Total : seule case masquée « B », recalculable à partir du total."
    ]
    assert is_protected(suppress(raw, 10), 10) == []

    table = Table.from_counts(["r0", "r1"], ["A", "B"], [[5, 0], [20, 30]])
    assert len(is_protected(table, 10)) == 2  # the cell 5 and its row total 5
    assert is_protected(suppress(table, 10), 10) == []


def test_is_protected_finds_a_cell_recomputable_by_combining_lines():
    # Two rectangles of masked cells joined by one masked cell (r0 × C): every line holds two masked
    # cells or none, yet r0 × C = (r0 + r1 totals) - (A + B totals) - the visible cells of those lines.
    published = Table(
        ("r0", "r1", "r2", "r3"),
        ("A", "B", "C", "D"),
        (
            (X, X, X, 20),
            (X, X, 30, 40),
            (50, 60, X, X),
            (70, 80, X, X),
        ),
        (100, 150, 200, 250),
        (140, 190, 160, 210),
        700,
    )
    assert is_protected(published, 10) == [
        "« r0 × C » : case masquée recalculable en combinant plusieurs lignes et colonnes."
    ]


def test_display():
    assert display(X, 10) == "< 10"
    assert display(42, 10) == "42"
    assert display(0, 10) == "0"


def test_default_threshold_reads_the_setting(settings):
    assert default_threshold() == 10
    settings.PARCOURS_DISCLOSURE_THRESHOLD = 5
    assert default_threshold() == 5
    assert display(X) == "< 5"
    assert suppress(Series.from_counts(["A", "B"], [7, 30])) == Series(("A", "B"), (7, 30), 37)


def test_invalid_input():
    with pytest.raises(ValueError):
        Series.from_counts(["A"], [-1])
    with pytest.raises(ValueError):
        Table.from_counts(["r0"], ["A", "B"], [[1]])
    with pytest.raises(ValueError):
        suppress(Series(("A", "B"), (X, 3), 3), 10)
    with pytest.raises(ValueError):
        suppress(Series.from_counts(["A"], [3]), 0)


counts = st.integers(min_value=0, max_value=30)


def assert_safe(original, published, threshold, mask_zeros):
    assert is_protected(published, threshold, mask_zeros=mask_zeros) == []
    for before, after in zip(flatten(original), flatten(published), strict=True):
        if after is not None:
            assert after == before
            assert after >= threshold or (after == 0 and not mask_zeros)


def flatten(table):
    if isinstance(table, Series):
        return [*table.counts, table.total]
    return [v for row in table.cells for v in row] + [*table.row_totals, *table.column_totals, table.total]


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    n_rows=st.integers(1, 4),
    n_columns=st.integers(1, 4),
    threshold=st.integers(1, 15),
    mask_zeros=st.booleans(),
)
def test_property_suppressed_tables_are_protected(data, n_rows, n_columns, threshold, mask_zeros):
    grid = data.draw(
        st.lists(st.lists(counts, min_size=n_columns, max_size=n_columns), min_size=n_rows, max_size=n_rows)
    )
    table = Table.from_counts([f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_columns)], grid)
    assert_safe(table, suppress(table, threshold, mask_zeros=mask_zeros), threshold, mask_zeros)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(counts, min_size=1, max_size=6), threshold=st.integers(1, 15), mask_zeros=st.booleans()
)
def test_property_suppressed_series_are_protected(values, threshold, mask_zeros):
    series = Series.from_counts([f"c{i}" for i in range(len(values))], values)
    assert_safe(series, suppress(series, threshold, mask_zeros=mask_zeros), threshold, mask_zeros)
