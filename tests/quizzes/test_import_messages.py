"""Import problems reach a Vietnamese author in Vietnamese (issue 15: English messages such as
"has an empty option" were shown on Vietnamese pages)."""

import html as html_lib

from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Question
from tests.conftest import login
from tests.quizzes.test_author_pages import upload


def test_a_bad_gift_file_is_reported_in_vietnamese(client, make_user):
    admin = make_user("quantri", roles=[("admin", None)])
    admin.locale = "vi"  # what the language switcher stores; Vietnamese is also the default
    db.session.commit()
    login(client, "quantri")
    bad = ("::Q1:: Ứng dụng nào dùng để định danh điện tử? {=VNeID ~}\n\n"
           "::Q2:: Chọn số chẵn {~1 ~3}\n\n"
           "::Q3:: Câu ghép {=a -> 1 =b}\n").encode()
    page = html_lib.unescape(upload(client, "bad.gift", bad, "hong").get_data(as_text=True))
    assert "Dòng 1: câu hỏi “Ứng dụng nào dùng để định danh điện tử?” có một phương án để trống" in page
    assert "Dòng 3: câu hỏi “Chọn số chẵn” chưa có phương án đúng" in page
    assert "Dòng 5: cặp ghép “b” thiếu dấu ->" in page
    for english in ("has an empty option", "has no right option", "needs ->", "question '"):
        assert english not in page
    assert db.session.scalar(select(Question.id)) is None


def test_the_import_report_names_the_format_as_authors_know_it(client, make_user):
    make_user("tacgia", roles=[("author", None)])
    login(client, "tacgia")
    page = upload(client, "ok.gift", "::Q1:: Ứng dụng định danh điện tử? {=VNeID ~Zalo}\n".encode(), "dinh-danh")
    html = page.get_data(as_text=True)
    assert "Định dạng: Moodle GIFT." in html and "Định dạng: gift" not in html
    aiken = upload(client, "ok.txt", "Ứng dụng định danh?\nA) VNeID\nB) Zalo\nANSWER: A\n".encode(), "aiken", fmt="aiken")
    assert "Định dạng: Aiken." in aiken.get_data(as_text=True)
