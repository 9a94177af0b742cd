"""options get their identity, stored question text becomes Markdown (issue 15)

Every stored question version is brought to the shape ``services.load_bank`` now writes:

- its options get ids ``c1``..``cn`` in stored order (``Choice.id``: answers and regrades
  refer to an option's identity, not its position, fault 7);
- options that refer to the other options ("Tất cả các đáp án trên") are pinned in place
  (``rules.auto_pin``, fault 9), as every import now does;
- the obsolete ``format`` key is dropped: what it said is applied once, here. Texts shown to
  learners are Markdown now (``lms.quizzes.text``); versions stored from Aiken or GIFT
  ``[plain]`` were plain text and are escaped (``plain_to_markdown``), versions from GIFT
  ``[html]`` or ``[moodle]`` (Moodle's default) held HTML and are converted
  (``html_to_markdown``). Versions from our Markdown files and the Excel template are kept;
- ``content_hash`` is computed again as ``services.version_hash`` computes it for the
  equal parsed question (option ids left out), so the next sync of an unchanged bank says
  "unchanged" instead of writing a new version of every question.

Revision ID: 0014
Revises: 0013
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_version = sa.table(
    'question_version', sa.column('id', sa.Integer), sa.column('question_id', sa.Integer),
    sa.column('type', sa.String), sa.column('text', sa.Text), sa.column('data', sa.JSON),
    sa.column('explanation', sa.Text), sa.column('tags', sa.String), sa.column('difficulty', sa.String),
    sa.column('points', sa.Float), sa.column('content_hash', sa.String),
)
_question = sa.table('question', sa.column('id', sa.Integer), sa.column('bank_id', sa.Integer),
                     sa.column('active', sa.Boolean), sa.column('current_version_id', sa.Integer))
_bank = sa.table('question_bank', sa.column('id', sa.Integer), sa.column('content_hash', sa.String))
_CHOICE_TYPES = ('single', 'multiple')  # true/false options are never shuffled, so never pinned


def _converter(fmt):
    from lms.quizzes.text import html_to_markdown, plain_to_markdown

    return {
        'plain': plain_to_markdown,
        'html': html_to_markdown,
        'moodle': lambda text: html_to_markdown(text, moodle_breaks=True),
    }.get(fmt)


def _meaningful(value):
    """``services._meaningful`` at this revision: without ids, name, category, None, a False
    option and empty containers."""
    if isinstance(value, dict):
        kept = {k: _meaningful(v) for k, v in value.items() if k not in ('id', 'name', 'category')}
        return {k: v for k, v in kept.items() if v is not None and v is not False and v != {} and v != []}
    if isinstance(value, list):
        return [_meaningful(v) for v in value]
    return value


def _hash(row_type, text, data, explanation, tags, difficulty, points) -> str:
    """``services.version_hash`` at this revision, over the stored data."""
    data = _meaningful(data)
    tag_list = [t for t in (tags or '').split(',') if t]
    payload = json.dumps([row_type, text, data, explanation, tag_list, difficulty, points],
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _bank_hashes(conn) -> None:
    """Each bank's hash over its active questions' current versions, as the next load writes it."""
    rows = conn.execute(sa.select(_question.c.bank_id, _version.c.content_hash)
                        .join(_version, _version.c.id == _question.c.current_version_id)
                        .where(_question.c.active.is_(True))).all()
    per_bank = {}
    for bank_id, digest in rows:
        per_bank.setdefault(bank_id, []).append(digest)
    for bank_id, digests in per_bank.items():
        conn.execute(_bank.update().where(_bank.c.id == bank_id).values(
            content_hash=hashlib.sha256(''.join(sorted(digests)).encode()).hexdigest()))


def upgrade():
    from lms.quizzes.rules import auto_pin

    conn = op.get_bind()
    for row in conn.execute(sa.select(_version)).all():
        data = dict(row.data or {})
        convert = _converter(data.pop('format', None))
        text, explanation = row.text, row.explanation
        if convert is not None:
            text = convert(text or '')
            explanation = convert(explanation) if explanation else explanation
            for key in ('feedback_right', 'feedback_wrong'):
                if data.get(key):
                    data[key] = convert(data[key])
            data['pairs'] = [{**p, 'left': convert(p['left']) if p.get('left') else p.get('left')}
                             for p in data.get('pairs', [])]
            data['answers'] = [{**a, 'feedback': convert(a['feedback'])} if a.get('feedback') else a
                               for a in data.get('answers', [])]
        choices = []
        for position, choice in enumerate(data.get('choices', []), 1):
            choice = dict(choice)
            if convert is not None:
                choice['text'] = convert(choice.get('text') or '')
                if choice.get('feedback'):
                    choice['feedback'] = convert(choice['feedback'])
            choice['id'] = choice.get('id') or f'c{position}'
            if row.type in _CHOICE_TYPES and not choice.get('pinned') and auto_pin(choice['text']):
                choice['pinned'] = True
            choices.append(choice)
        data['choices'] = choices
        conn.execute(_version.update().where(_version.c.id == row.id).values(
            text=text, explanation=explanation, data=data,
            content_hash=_hash(row.type, text, data, explanation, row.tags, row.difficulty, row.points)))
    _bank_hashes(conn)


def downgrade():
    # Back to the earlier shape so the earlier code can read it: no option ids or pinning, a
    # format key. The texts stay Markdown (the earlier code shows them as typed).
    conn = op.get_bind()
    for row in conn.execute(sa.select(_version)).all():
        data = dict(row.data or {})
        data['choices'] = [{k: v for k, v in c.items() if k not in ('id', 'pinned')} for c in data.get('choices', [])]
        data['format'] = 'markdown'
        conn.execute(_version.update().where(_version.c.id == row.id).values(
            data=data, content_hash=_hash(row.type, row.text, data, row.explanation, row.tags, row.difficulty,
                                          row.points)))
    _bank_hashes(conn)
