"""Sanitising: an attack corpus never survives rendering, and our own blocks do."""

import pytest

from lms.courses.render import render_markdown

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x](  javascript:alert(1)  )",
    "![x](javascript:alert(1))",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">",
    "<style>body{background:red}</style>",
    "[x](https://ok.example){onclick=\"alert(1)\"}",
    "<p onmouseover=\"alert(1)\">x</p>",
    "<<script>alert(1)//<</script>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<a href=\"java\tscript:alert(1)\">x</a>",
]

FORBIDDEN = ("<script", "javascript:", "vbscript:", "data:text", "onerror", "onload", "onclick",
             "onmouseover", "onfocus", "ontoggle", "<iframe", "<object", "<embed", "<form", "<meta",
             "<base", "<link", "<style", "style=", "<svg", "<math")


@pytest.mark.parametrize("attack", XSS_CORPUS)
def test_attack_corpus_is_neutralised(attack):
    html = render_markdown(f"Đoạn văn.\n\n{attack}\n\nTiếp theo.").lower()
    for needle in FORBIDDEN:
        assert needle not in html, (attack, html)


def test_message_blocks_escape_their_text():
    html = render_markdown("```sms\nTừ: <b>Ngân hàng</b>\nBấm <script>alert(1)</script>\n```\n")
    assert '<figure class="msg msg-sms"' in html
    assert "&lt;b&gt;Ngân hàng&lt;/b&gt;" in html
    assert "<script" not in html


def test_chat_block_marks_the_learners_own_lines():
    html = render_markdown("```chat\nNgười lạ: Cho tôi mã OTP\nBạn: Không bao giờ\n```\n")
    assert '<p class="line"><b>Người lạ:</b> Cho tôi mã OTP</p>' in html
    assert '<p class="line mine"><b>Bạn:</b> Không bao giờ</p>' in html


def test_tables_admonitions_and_links_survive():
    html = render_markdown(
        "| Bước | Việc |\n|:--|--:|\n| 1 | Đăng nhập |\n\n!!! warning \"Cảnh giác\"\n    Không chia sẻ OTP.\n\n"
        "[Cổng](https://dichvucong.gov.vn)",
    )
    assert "<table>" in html and '<th align="left">Bước</th>' in html
    assert '<div class="admonition warning">' in html and "Cảnh giác" in html
    assert '<a href="https://dichvucong.gov.vn" rel="noopener noreferrer">Cổng</a>' in html


def test_internal_links_are_rewritten():
    html = render_markdown("[tiếp](02-vneid.md) ![a](anh.png)",
                           rewrite_url=lambda u: "vneid" if u == "02-vneid.md" else "media/" + u)
    assert 'href="vneid"' in html and 'src="media/anh.png"' in html


# --- issue 14, fault 11g: no fake buttons, no hijacked anchors, nothing swallowed ----------------


@pytest.mark.parametrize("source", [
    '<div class="button primary" id="main">Đăng nhập lại</div>',
    '<a href="/logout" class="button" id="csrf_token">Tiếp tục</a>',
    "# Tiêu đề {: #main .button }",
    '<span class="flash error">Tài khoản bị khoá</span>',
])
def test_author_html_keeps_no_id_and_no_site_class(source):
    html = render_markdown(source)
    assert " id=" not in html and 'class="' not in html, html


@pytest.mark.parametrize("opener", ["<style>", "<script>", "<textarea>", "<title>", "<xmp>", "<noscript>",
                                    "<iframe>", "<noembed>", "<noframes>", "<plaintext>", "<STYLE type=x>",
                                    "<!--"])
def test_an_unclosed_raw_text_element_swallows_nothing(opener):
    rules = "Thể lệ.\n\n" + opener + "\n\n## Vòng sơ khảo\n\n- Mỗi người **một lượt**.\n\nGiải thưởng: 10 giải."
    html = render_markdown(rules)
    assert "<h2>Vòng sơ khảo</h2>" in html, html
    assert "<strong>một lượt</strong>" in html and "Giải thưởng: 10 giải." in html
    for needle in FORBIDDEN:
        assert needle not in html.lower()


def test_extension_classes_survive_but_only_ours():
    html = render_markdown('!!! danger "Lừa đảo"\n    Không chuyển tiền.\n\n```python\nx = 1\n```\n')
    assert '<div class="admonition danger">' in html and '<p class="admonition-title">' in html
    assert 'class="language-python"' in html
    html = render_markdown('!!! button "x"\n    y')
    assert 'class="admonition"' in html and "button" not in html.split("admonition-title")[0]


def test_contest_rules_with_an_unclosed_style_are_shown_whole(any_db_app, make_user):
    from lms.contests import services

    contest = services.create_contest(None, "hoi-thi-x", "Hội thi X",
                                      rules_md="Mở đầu.\n\n<style>\n\n## Thể lệ chi tiết\n\nNộp bài trước 20/12.")
    contest.status = "open"
    from lms.extensions import db

    db.session.commit()
    page = any_db_app.test_client().get("/contests/hoi-thi-x/").get_data(as_text=True)
    assert "Thể lệ chi tiết" in page and "Nộp bài trước 20/12." in page
    assert "<style>" not in page.split('<div class="lesson-body">', 1)[1]


def test_migration_0013_resanitises_stored_contest_rules(app):
    """Up and down on SQLite: rules rendered by the old sanitiser lose their ids and classes."""
    from flask_migrate import downgrade, upgrade

    from lms.contests import services
    from lms.contests.models import Contest
    from lms.extensions import db

    contest = services.create_contest(None, "cu", "Hội thi cũ", rules_md='<div id="main" class="button">Nộp</div>')
    contest.rules_html = '<div id="main" class="button">Nộp</div>'  # as the old sanitiser kept it
    db.session.commit()
    downgrade(revision="0012")
    upgrade()
    db.session.expire_all()
    html = db.session.get(Contest, contest.id).rules_html
    assert "Nộp" in html and "id=" not in html and "button" not in html
    db.session.close()  # on PostgreSQL the migration's DDL waits for this session's open read
    downgrade(revision="0012")
    upgrade()
