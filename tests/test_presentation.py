"""caeward.experiments.views.book: tables that fit the page, numbers pasted as printed."""
import pandas as pd
import pytest

from caeward.experiments.views import book


def test_show_table_leaves_out_empty_and_constant_columns_and_the_index():
    frame = pd.DataFrame({"method": ["a", "b"], "acc": ["80.00 ± 1.00", "70.50"],
                          "empty": [None, None], "dataset": ["mnist-test"] * 2})
    html = book.show_table(frame).data
    assert "<th>method</th>" in html and "<th>acc</th>" in html
    assert "empty" not in html and "dataset" not in html
    assert "80.00\u00a0±\u00a01.00" in html  # the spread never wraps apart from its mean
    assert "<th></th>" not in html  # no index column
    assert "dataset" in book.show_table(frame, keep=("dataset",)).data


def test_show_table_refuses_a_table_wider_than_the_page():
    wide = pd.DataFrame({f"c{i}": [i, i + 1] for i in range(9)})
    with pytest.raises(ValueError, match="9 columns does not fit"):
        book.show_table(wide)
    book.show_table(wide.iloc[:, :8])


def test_figure_size_refuses_a_figure_wider_than_the_column():
    assert book.figure_size(3.0) == (book.FIGURE_WIDTH, 3.0)
    with pytest.raises(ValueError, match="does not fit"):
        book.figure_size(3.0, width=14)


def test_glue_formats_numbers_with_a_real_minus(monkeypatch):
    pasted = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: pasted.update({name: value}))
    assert book.glue("x", -1.234) is None
    book.glue("n", 3, "{:d}")
    book.glue("text", "cae-ward")
    assert pasted == {"x": "−1.23", "n": "3", "text": "cae-ward"}


def test_the_style_sets_ten_point_text():
    import matplotlib as mpl

    book.use_book_style()
    assert mpl.rcParams["font.size"] >= 10 and mpl.rcParams["legend.fontsize"] >= 10
    assert mpl.rcParams["figure.figsize"][0] <= book.FIGURE_WIDTH
