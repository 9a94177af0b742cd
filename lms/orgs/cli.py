"""`lms orgs list|create|move|merge|import`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

HEADERS = {
    "code": ("code", "ma don vi"), "name": ("name", "ten don vi", "ten"), "kind": ("kind", "loai"),
    "parent_code": ("parent_code", "ma don vi cap tren", "cap tren"),
    "headcount": ("headcount", "bien che", "si so", "bien che/si so", "so nguoi"),
    "short_name": ("short_name", "short name", "ten viet tat", "ten ngan"),
}
# The columns a file must have, named as the header the template writes.
REQUIRED_HEADERS = {"code": "Mã đơn vị", "name": "Tên đơn vị"}
KIND_WORDS = {"bo": "ministry", "tinh": "province", "thanh pho": "province", "so": "department",
              "huyen": "district", "xa": "commune", "phuong": "commune", "co quan": "agency",
              "truong": "school", "lop": "class", "khac": "other"}


def _fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


@click.group("orgs")
def orgs_group():
    """The organisation tree."""


@orgs_group.command("list")
@click.option("--root", "root_code", help="Show only this unit and what is under it.")
@click.option("--all", "include_inactive", is_flag=True, help="Include merged or closed units.")
@with_appcontext
def list_command(root_code, include_inactive):
    """Print the tree, indented."""
    from lms.core.errors import NotFound
    from lms.extensions import db
    from lms.orgs.services import build_tree, get_org_by_code, subtree_query

    try:
        root = get_org_by_code(root_code) if root_code else None
    except NotFound as err:
        _fail(str(err))
    from lms.core.i18n import label

    for org, level in build_tree(list(db.session.scalars(subtree_query(root, include_inactive)))):
        extra = " · " + _("headcount %(n)d", n=org.headcount) if org.headcount is not None else ""
        closed = " [" + _("merged or closed") + "]" if not org.active else ""
        click.echo(f"{'  ' * level}{org.code}  {org.name}  ({label(org.kind, 'org_kind')}){extra}{closed}")


@orgs_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--kind", default="other", show_default=True)
@click.option("--parent", "parent_code")
@click.option("--headcount", type=int, help="Staff or pupils; the change is kept in the headcount history.")
@click.option("--short-name", help="What rankings show, e.g. 'THPT Chu Văn An' (at most 64 characters).")
@with_appcontext
def create_command(code, name, kind, parent_code, headcount, short_name):
    from lms.core.errors import ServiceError
    from lms.extensions import db
    from lms.orgs.services import create_org, get_org_by_code

    try:
        parent = get_org_by_code(parent_code) if parent_code else None
        org = create_org(code, name, kind, parent=parent, headcount=headcount, short_name=short_name)
    except ServiceError as err:
        db.session.rollback()
        _fail(str(err))
    db.session.commit()
    click.echo(_("Unit %(code)s (%(name)s) created.", code=org.code, name=org.name))


@orgs_group.command("move")
@click.argument("code")
@click.option("--to", "parent_code", help="Code of the new parent.")
@click.option("--to-root", is_flag=True, help="Make it a top-level unit.")
@with_appcontext
def move_command(code, parent_code, to_root):
    """Move a unit and everything under it; people and records stay attached."""
    from lms.core.errors import ServiceError
    from lms.extensions import db
    from lms.orgs.services import get_org_by_code, move_org

    if bool(parent_code) == bool(to_root):
        _fail(_("Give either --to PARENT_CODE or --to-root."), 2)
    try:
        org = get_org_by_code(code)
        move_org(org, None if to_root else get_org_by_code(parent_code))
    except ServiceError as err:
        db.session.rollback()
        _fail(str(err))
    db.session.commit()
    click.echo(_("Unit %(code)s moved.", code=code))


@orgs_group.command("merge")
@click.argument("source_code")
@click.option("--into", "target_code", required=True)
@with_appcontext
def merge_command(source_code, target_code):
    """Merge a unit into another (as in the 2025 reorganisation)."""
    from lms.core.errors import ServiceError
    from lms.extensions import db
    from lms.orgs.services import get_org_by_code, merge_org

    try:
        merge_org(get_org_by_code(source_code), get_org_by_code(target_code))
    except ServiceError as err:
        db.session.rollback()
        _fail(str(err))
    db.session.commit()
    click.echo(_("Unit %(source)s merged into %(target)s.", source=source_code, target=target_code))


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    """The unit rows of ``path`` read within the upload limits (lms.core.uploads); a file
    over a limit stops the command with the limit and the row named."""
    from lms.core.text import fold
    from lms.core.uploads import UploadRefused, read_csv_bounded, read_upload_file

    try:
        records = list(read_csv_bounded(read_upload_file(path)))
    except UploadRefused as refusal:
        raise click.ClickException(f"{path}: {refusal}") from None
    header = records[0][1] if records else []
    mapping = {}
    for i, title in enumerate(header):
        key = fold(title).replace("_", " ").strip()
        name = next((n for n, aliases in HEADERS.items() if key in aliases or fold(title).strip() in aliases), None)
        if name is None:
            raise click.ClickException(_("%(file)s: row 1: unknown column “%(title)s”", file=path, title=title))
        mapping[i] = name
    for required in REQUIRED_HEADERS:
        if required not in mapping.values():
            raise click.ClickException(_("%(file)s: row 1: a “%(column)s” column is required", file=path,
                                         column=REQUIRED_HEADERS[required]))
    return [(n, {mapping[i]: v.strip() for i, v in enumerate(cells) if i in mapping})
            for n, cells in records[1:] if any(c.strip() for c in cells)]


@orgs_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file):
    """Create or update units from a CSV (code, name, kind, parent_code, headcount, short_name);
    all or nothing. Parents may come after their children in the file. Each headcount that
    changes is kept in the headcount history and the audit log."""
    from sqlalchemy import select

    from lms.core.errors import ServiceError
    from lms.core.text import fold
    from lms.extensions import db
    from lms.orgs.models import ORG_KINDS, Organization
    from lms.orgs.services import KEEP, create_org, move_org, update_org

    rows = _read_rows(file)
    problems = []
    by_code: dict[str, tuple[int, dict]] = {}
    for number, row in rows:
        kind = row.get("kind") or "other"
        row["kind"] = kind if kind in ORG_KINDS else KIND_WORDS.get(fold(kind), kind)
        if row["kind"] not in ORG_KINDS:
            problems.append(_("row %(row)d: unknown kind “%(kind)s”", row=number, kind=kind))
        if row.get("headcount"):
            if not row["headcount"].isdigit():
                problems.append(_("row %(row)d: headcount “%(value)s” is not a whole number", row=number,
                                  value=row["headcount"]))
        if row["code"] in by_code:
            problems.append(_("row %(row)d: code %(code)s also on row %(other)d", row=number, code=row["code"],
                              other=by_code[row["code"]][0]))
        by_code[row["code"]] = (number, row)
    existing = {o.code: o for o in db.session.scalars(select(Organization))}
    for number, row in by_code.values():
        parent = row.get("parent_code")
        if parent and parent not in by_code and parent not in existing:
            problems.append(_("row %(row)d: parent %(parent)s is neither in the file nor in the database", row=number,
                              parent=parent))
    if problems:
        for p in problems:
            click.echo(f"{file}: {p}", err=True)
        _fail(_("%(n)d problem(s); nothing was imported.", n=len(problems)))
    created = updated = 0
    done: dict[str, Organization] = dict(existing)
    pending = list(by_code.items())
    try:
        while pending:
            progress = False
            for code, (number, row) in list(pending):
                parent_code = row.get("parent_code") or None
                if parent_code and parent_code in by_code and parent_code not in done:
                    continue  # its parent first
                parent = done.get(parent_code) if parent_code else None
                headcount = int(row["headcount"]) if row.get("headcount") else None
                org = done.get(code)
                if org is None:
                    done[code] = create_org(code, row["name"], row["kind"], parent=parent, headcount=headcount,
                                            short_name=row.get("short_name"))
                    created += 1
                else:
                    before = (org.name, org.kind, org.headcount, org.short_name, org.parent_id)
                    if "headcount" not in row:  # a file without the column leaves headcounts alone
                        headcount = org.headcount
                    update_org(org, name=row["name"], kind=row["kind"], headcount=headcount,
                               short_name=row["short_name"] if "short_name" in row else KEEP)
                    if (parent.id if parent else None) != org.parent_id:
                        org = move_org(org, parent)
                        done[code] = org
                    if before != (org.name, org.kind, org.headcount, org.short_name, org.parent_id):
                        updated += 1
                pending.remove((code, (number, row)))
                progress = True
            if not progress:
                raise ServiceError(_("rows %(rows)s: the parents form a loop",
                                     rows=", ".join(str(n) for _code, (n, _r) in pending)))
    except ServiceError as err:
        db.session.rollback()
        _fail(_("%(file)s: %(error)s; nothing was imported.", file=file, error=err))
    db.session.commit()
    click.echo(_("Units: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.", created=created,
                 updated=updated, unchanged=len(by_code) - created - updated))


commands = [orgs_group]
