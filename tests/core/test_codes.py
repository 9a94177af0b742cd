"""Codes people read aloud or copy from paper: no look-alike characters, the asked length."""

import pytest

from lms.core.codes import READABLE_LOWER, READABLE_UPPER, readable_code


def test_the_alphabets_leave_out_look_alike_characters():
    assert not set("0O1I") & set(READABLE_UPPER)
    assert not set("0o1il") & set(READABLE_LOWER)
    assert len(set(READABLE_UPPER)) == len(READABLE_UPPER) == 32


def test_a_code_has_the_asked_length_and_only_readable_characters():
    codes = {readable_code(12) for _ in range(200)}
    assert all(len(c) == 12 and set(c) <= set(READABLE_UPPER) for c in codes)
    assert len(codes) == 200  # 60 bits each: a repeat here would mean no randomness
    assert set(readable_code(10, READABLE_LOWER)) <= set(READABLE_LOWER)


def test_an_empty_code_is_refused():
    with pytest.raises(ValueError):
        readable_code(0)
