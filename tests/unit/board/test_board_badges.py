"""Item tags on the board: dietary codes with a legend, highlights, other tags as written."""

from __future__ import annotations

from app.board.badges import badges, is_highlight, legend


def test_dietary_tags_become_codes() -> None:
    """Vegetarian, Gluten Free and Spicy become V, GF and HOT whatever their case."""
    assert badges(["vegetarian", "Gluten Free", "SPICY"]) == [
        ("diet", "V"), ("diet", "GF"), ("diet", "HOT")]


def test_highlights_and_other_tags() -> None:
    """"Chef's Pick" is a highlight; an unknown tag is shown as written; repeats go."""
    assert badges(["Chef's Pick", "Local", "Local", " "]) == [
        ("pick", "Chef's Pick"), ("tag", "Local")]
    assert is_highlight(["new"]) and not is_highlight(["Local"])


def test_legend_lists_each_code_used_once_in_a_fixed_order() -> None:
    """The legend explains only the codes used, once each, in the table's order."""
    assert legend([["Spicy"], ["vegan", "Vegetarian"], ["Gluten-free", "gluten free"]]) == [
        ("V", "Vegetarian"), ("VG", "Vegan"), ("GF", "Gluten-free"), ("HOT", "Spicy")]
    assert legend([["Local"]]) == []
