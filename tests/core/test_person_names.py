"""Issue 15, fault 11: a name typed with a look-alike of Đ is the same name.

Converters from the legacy Vietnamese encodings (VNI, TCVN3/ABC) and some keyboards write
Ð (U+00D0, the Icelandic eth), ð (U+00F0), Ɖ (U+0189) or ɖ (U+0256) for Đ (U+0110) / đ
(U+0111). They look the same on screen, so "Ðỗ Thị Ðào" must be stored, searched and turned
into a username as "Đỗ Thị Đào"."""

import unicodedata

import pytest

from lms.core.text import fold, person_name
from lms.roster.parsing import suggest_username


@pytest.mark.parametrize(("typed", "stored"), [
    ("\u00d0ỗ Thị \u00d0ào", "Đỗ Thị Đào"),
    ("\u00f0ào", "đào"),
    ("\u0189OÀN \u0256ỨC", "ĐOÀN đỨC"),
    ("Nguyễn-\u00d0ức", "Nguyễn-Đức"),
    (unicodedata.normalize("NFD", "Nguyễn Văn Đức"), "Nguyễn Văn Đức"),  # decomposed: composed
    ("  Trần \u200bVăn   An ", "Trần Văn An"),
    # an eth inside a word is another language's letter, not a mistyped Đ
    ("Guðrún Jónsdóttir", "Guðrún Jónsdóttir"),
])
def test_person_names_are_stored_with_the_vietnamese_letter(typed, stored):
    assert person_name(typed) == stored
    assert unicodedata.is_normalized("NFC", person_name(typed))


@pytest.mark.parametrize("typed", ["\u00d0ỗ Thị \u00d0ào", "\u00f0ỗ thị \u00f0ào", "\u0189ỗ Thị \u0256ào",
                                   "Đỗ Thị Đào", "do thi dao", unicodedata.normalize("NFD", "Đỗ Thị Đào")])
def test_search_keys_fold_every_look_alike_to_d(typed):
    assert fold(typed) == "do thi dao"


def test_generated_usernames_keep_the_letter():
    from datetime import date

    assert suggest_username("\u00d0ỗ Thị \u00d0ào", date(2009, 6, 12)) == "daodt120609"
    assert suggest_username("Đỗ Thị Đào", date(2009, 6, 12)) == "daodt120609"


def test_other_text_keeps_the_letters_it_was_typed_with():
    from lms.core.text import nfc

    assert nfc("Ðiều khoản") == "Ðiều khoản"  # nfc is not a name rule
