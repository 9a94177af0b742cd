"""Grading rules per question type: pure functions, no database."""

import pytest

from lms.quizzes.types import grade_response, normalise_answer, parse_number


def choices(*pairs):
    return {"choices": [{"text": t, "fraction": f, "feedback": None} for t, f in pairs]}


def test_single_choice():
    data = choices(("VNeID", 1.0), ("Zalo", 0.0))
    assert grade_response("single", data, [0]) == 1.0
    assert grade_response("single", data, [1]) == 0.0
    assert grade_response("single", data, []) == 0.0


def test_multiple_answers_partial_credit_and_floor():
    data = choices(("A", 0.5), ("B", 0.5), ("C", -0.5))
    assert grade_response("multiple", data, [0, 1]) == 1.0
    assert grade_response("multiple", data, [0]) == 0.5
    assert grade_response("multiple", data, [0, 2]) == 0.0
    assert grade_response("multiple", data, [0, 1, 2]) == 0.5
    assert grade_response("multiple", data, [2]) == 0.0  # never negative


def test_short_answer_spacing_case_and_optional_accents():
    data = {"answers": [{"text": "Cổng Dịch vụ công", "fraction": 1.0}], "options": {"ignore_accents": False}}
    assert grade_response("short", data, "  cổng   dịch vụ CÔNG ") == 1.0
    assert grade_response("short", data, "cong dich vu cong") == 0.0
    data["options"]["ignore_accents"] = True
    assert grade_response("short", data, "cong dich vu cong") == 1.0


def test_short_answer_case_sensitive_and_wildcard():
    data = {"answers": [{"text": "VNeID", "fraction": 1.0}, {"text": "vneid*", "fraction": 0.5}],
            "options": {"case_sensitive": True}}
    assert grade_response("short", data, "VNeID") == 1.0
    assert grade_response("short", data, "vneid app") == 0.5
    assert grade_response("short", data, "Vneid") == 0.0


@pytest.mark.parametrize("given,expected", [("12", 1.0), ("12,8", 1.0), ("11", 1.0), ("13.01", 0.0), ("mười hai", 0.0)])
def test_numeric_with_tolerance(given, expected):
    assert grade_response("numeric", {"answers": [{"value": 12, "tolerance": 1, "fraction": 1.0}]}, given) == expected


def test_numeric_ranges_and_partial():
    data = {"answers": [{"min": 1.5, "max": 2.5, "fraction": 1.0}, {"value": 3, "tolerance": 0, "fraction": 0.5}]}
    assert grade_response("numeric", data, "2") == 1.0
    assert grade_response("numeric", data, "3") == 0.5


def test_matching_share_of_pairs():
    data = {"pairs": [{"left": "VNeID", "right": "định danh"}, {"left": "OTP", "right": "mã xác thực"},
                      {"left": "", "right": "gây nhiễu"}]}
    assert grade_response("matching", data, ["định danh", "mã xác thực"]) == 1.0
    assert grade_response("matching", data, ["định danh", "gây nhiễu"]) == 0.5


def test_essay_is_not_auto_graded():
    assert grade_response("essay", {}, "Bài luận") is None


def test_number_parsing_accepts_vietnamese_decimal_comma():
    assert parse_number("3,5") == 3.5
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("inf") is None
    assert normalise_answer(" Dịch  Vụ ", ignore_accents=True) == "dich vu"
