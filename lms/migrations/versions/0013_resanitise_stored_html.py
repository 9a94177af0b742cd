"""re-render stored contest rules and judged articles with the stricter sanitiser (issue 14,
11g: no id, only the site's own classes, raw-text tags shown as text)

Lessons are re-rendered by the next ``lms sync-content`` (RENDERER_VERSION 2); contest rules
and judged articles are rendered once when saved, so they are rendered again here from their
stored Markdown.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _rerender(conn, table: str, source: str, target: str) -> None:
    from lms.courses.render import render_markdown

    rows = conn.execute(sa.text(f"SELECT id, {source} FROM {table} WHERE {source} IS NOT NULL")).all()
    for row_id, text in rows:
        conn.execute(sa.text(f"UPDATE {table} SET {target} = :html WHERE id = :id"),
                     {"html": render_markdown(text or ""), "id": row_id})


def upgrade():
    conn = op.get_bind()
    _rerender(conn, "contest", "rules_md", "rules_html")
    _rerender(conn, "submission", "article_md", "article_html")


def downgrade():
    # The earlier rendering kept author ids and classes; nothing to restore: the stricter HTML
    # is valid under the earlier code too.
    pass
