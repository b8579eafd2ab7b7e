"""The mojibake repair touches only double-encoded text."""

from capstone_assets.sparkify.text_repair import repair_double_encoding


def double_encode(text: str) -> str:
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


def test_double_encoded_text_is_repaired():
    for name in ("Björk", "Beyoncé", "¿Dónde va Chichi?", "Sigur Rós", "Motörhead"):
        assert repair_double_encoding(double_encode(name)) == name


def test_correct_ascii_and_single_encoded_text_is_left_alone():
    for text in ("Björk", "¿Dónde va Chichi?", "Des'ree", "White & Nerdy", "Björk".encode("utf-8").decode("latin-1"), "日本"):
        assert repair_double_encoding(text) is None
