"""Vietnamese collation (lms.core.text.vietnamese_sort_key, given_name_key).

The expected orders come from CLDR's tailoring for Vietnamese (quoted in lms/core/text.py)
read with UTS #10, and the random test checks the function against an independent
implementation of the same rule: Perl's Unicode::Collate::Locale (locale "vi", CLDR root's
non-ignorable spaces), shipped with Debian's perl.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.core.text import given_name_key, vietnamese_sort_key


def ordered(words):
    return sorted(words, key=vietnamese_sort_key)


def test_the_alphabet_is_the_tailored_one():
    # "&a<ă<â", "&d<đ", "&e<ê", "&o<ô<ơ", "&u<ư": seven letters of their own, after their base.
    alphabet = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    shuffled = alphabet[:]
    random.Random(7).shuffle(shuffled)
    assert ordered(shuffled) == alphabet


def test_tones_are_a_secondary_difference_in_the_traditional_order():
    # "&̀<<̉<<̃<<́<<̣": ngang < huyền < hỏi < ngã < sắc < nặng.
    assert ordered(["ạ", "á", "ã", "ả", "à", "a"]) == ["a", "à", "ả", "ã", "á", "ạ"]
    assert ordered(["ộ", "ố", "ỗ", "ổ", "ồ", "ô"]) == ["ô", "ồ", "ổ", "ỗ", "ố", "ộ"]


def test_a_letter_difference_outweighs_any_tone():
    # Primary before secondary: Ánh (a, n, h) before Ân (â, n) however the a is marked.
    assert ordered(["Ân", "Ánh", "An"]) == ["An", "Ánh", "Ân"]
    assert ordered(["ăn", "ạnh"]) == ["ạnh", "ăn"]
    assert ordered(["Ơn", "Ốc", "Ong"]) == ["Ong", "Ốc", "Ơn"]


def test_case_is_the_last_difference():
    # Tertiary: lower case first, and only when letters and tones are equal.
    assert ordered(["AN", "An", "an"]) == ["an", "An", "AN"]
    assert ordered(["àn", "An"]) == ["An", "àn"]  # the tone decides before the capital does
    assert ordered(["Ă", "ă"]) == ["ă", "Ă"]


def test_every_d_word_comes_before_every_dj_word():
    words = ["Đào", "Dương", "Đặng", "Dũng", "Duy", "Đinh", "Dzũng", "Đỗ"]
    result = ordered(words)
    assert result == ["Dũng", "Duy", "Dương", "Dzũng", "Đào", "Đặng", "Đinh", "Đỗ"]
    # A look-alike of Đ (the Icelandic eth, from converted legacy encodings) sorts as Đ.
    assert vietnamese_sort_key("\u00d0ào")[:3] == vietnamese_sort_key("Đào")[:3]


def test_decomposed_and_composed_spellings_sort_alike():
    for word in ("Nguyễn", "Hoà", "Đặng", "Trương", "Ặc"):
        assert vietnamese_sort_key(unicodedata.normalize("NFD", word)) == vietnamese_sort_key(word)
    # NFD puts the dot below before the breve (canonical order): ặ is still ă with a nặng tone.
    assert ordered(["â", "ặ", "ắ", "ă"]) == ["ă", "ắ", "ặ", "â"]


def test_spaces_sort_before_letters():
    assert ordered(["Lêa", "Lê Anh", "Lê An"]) == ["Lê An", "Lê Anh", "Lêa"]
    assert vietnamese_sort_key(None) == vietnamese_sort_key("")


def test_numeric_ordering_compares_numbers_by_value():
    names = ["Lớp 12A10", "Lớp 10A1", "Lớp 9A", "Lớp 12A2", "Lớp 6", "Lớp 11A1", "Lớp 09B"]
    assert sorted(names, key=lambda n: vietnamese_sort_key(n, numeric=True)) == [
        "Lớp 6", "Lớp 9A", "Lớp 09B", "Lớp 10A1", "Lớp 11A1", "Lớp 12A2", "Lớp 12A10"]
    # Without the option digits compare one by one, as CLDR's default does.
    assert ordered(["Lớp 9A", "Lớp 10A1"]) == ["Lớp 10A1", "Lớp 9A"]


def test_class_list_order_is_given_name_then_family_and_middle_names():
    names = ["Trần Thị Bình", "Nguyễn Văn An", "Lê Văn An", "Phạm Thị Ánh", "Hoàng Ân", "Đỗ Minh Đức",
             "Vũ Văn Dũng", "Bùi Thị Ơn", "Lý Ong", "An"]
    assert sorted(names, key=given_name_key) == [
        "An", "Lê Văn An", "Nguyễn Văn An",  # An (its own tên) first, then by họ đệm
        "Phạm Thị Ánh", "Hoàng Ân", "Trần Thị Bình", "Vũ Văn Dũng", "Đỗ Minh Đức", "Lý Ong", "Bùi Thị Ơn"]


def test_given_name_key_ignores_spacing_and_normalisation():
    assert given_name_key("  Nguyễn   Văn  An ") == given_name_key("Nguyễn Văn An")
    assert given_name_key(unicodedata.normalize("NFD", "Nguyễn Văn An")) == given_name_key("Nguyễn Văn An")
    assert given_name_key(None) == given_name_key("")


_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONES = "\u0300\u0309\u0303\u0301\u0323"


def _random_names(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    pool = _LETTERS + _LETTERS.upper() + "-'.0123456789"

    def word():
        out = ""
        for _ in range(rnd.randint(1, 5)):
            ch = rnd.choice(pool)
            out += ch
            if ch.lower() in "aăâeêioôơuưy" and rnd.random() < 0.5:
                out += rnd.choice(_TONES)
        return out

    names = {unicodedata.normalize(rnd.choice(["NFC", "NFD"]), " ".join(word() for _ in range(rnd.randint(1, 3))))
             for _ in range(count)}
    return sorted(names)


PERL_SORT = r"""
use utf8; use strict; use Unicode::Collate::Locale;
binmode STDOUT, ":utf8"; binmode STDIN, ":utf8";
my $c = Unicode::Collate::Locale->new(locale => "vi", variable => "non-ignorable");
my @w = map { chomp; $_ } <STDIN>;
print join("\n", $c->sort(@w)), "\n";
"""


def _perl_sorted(words: list[str]) -> list[str] | None:
    if shutil.which("perl") is None:
        return None
    done = subprocess.run(["perl", "-e", PERL_SORT], input="\n".join(words) + "\n", capture_output=True,
                          text=True, encoding="utf-8", timeout=60)
    if done.returncode != 0:  # no Unicode::Collate::Locale on this machine
        return None
    return done.stdout.split("\n")[:-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_an_independent_cldr_implementation(seed):
    words = _random_names(seed, 2000)
    theirs = _perl_sorted(words)
    if theirs is None:
        pytest.skip("perl with Unicode::Collate::Locale is not installed")
    ours = sorted(words, key=vietnamese_sort_key)
    # Perl ends at the third level (NFC and NFD spellings tie); compare those levels only.
    assert [vietnamese_sort_key(w)[:3] for w in ours] == [vietnamese_sort_key(w)[:3] for w in theirs]


@given(st.lists(st.text(alphabet=_LETTERS + _LETTERS.upper() + _TONES + " ", max_size=8), max_size=20))
def test_the_order_is_total_and_does_not_depend_on_the_input_order(words):
    keys = [vietnamese_sort_key(w) for w in sorted(words, key=vietnamese_sort_key)]
    # Equal keys only for canonically equivalent spellings (the key ends with the NFC text).
    assert [vietnamese_sort_key(w) for w in sorted(reversed(words), key=vietnamese_sort_key)] == keys
    assert len(set(keys)) == len({unicodedata.normalize("NFC", w) for w in words})
