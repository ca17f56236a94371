"""Shared closing sentences: found, sent once, joined again exactly."""

from __future__ import annotations

from app.board.tails import MIN_LENGTH, joined, shared_tails

CLOSING = "Served with your choice of side; ask your server about allergens."


def test_a_shared_closing_sentence_is_kept_once() -> None:
    """Descriptions ending with the same long sentence keep their own part and an index."""
    tails, parts = shared_tails([f"Eggs. {CLOSING}", f"Toast! {CLOSING}", "Plain soup."])
    assert tails == [CLOSING]
    assert parts == [("Eggs.", 0), ("Toast!", 0), ("Plain soup.", None)]


def test_every_description_joins_back_to_itself() -> None:
    """Own part + closing sentence is the original text, whole-sentence tails included."""
    texts = [CLOSING, f"A. {CLOSING}", f"B.  {CLOSING}", f"C.\n{CLOSING}", "", f"D. {CLOSING}"]
    tails, parts = shared_tails(texts)
    for text, (head, index) in zip(texts, parts, strict=True):
        assert (text if index is None else joined(head, tails[index])) == text


def test_short_or_unshared_sentences_stay_in_place() -> None:
    """A closing sentence used once, or shorter than the index costs, is not shared."""
    short = "x" * (MIN_LENGTH - 2) + "."
    tails, parts = shared_tails([f"A. {short}", f"B. {short}", f"C. {CLOSING}"])
    assert tails == [] and all(index is None for _, index in parts)


def test_several_tails_are_numbered_in_order_of_first_use() -> None:
    """Two shared sentences get indexes 0 and 1 in the order they first appear."""
    other = "Ask for the gluten-free bun at no extra charge today."
    _, parts = shared_tails([f"A. {other}", f"B. {CLOSING}", f"C. {CLOSING}", f"D. {other}"])
    assert [index for _, index in parts] == [0, 1, 1, 0]
