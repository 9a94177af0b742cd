"""`lms verify-certificate FILE.pdf` and `lms certificates render`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

# Exit statuses of `lms verify-certificate` (2 is click's own for a wrong command line).
EXIT_VALID, EXIT_FILE_FAILS, EXIT_NOT_CURRENT = 0, 1, 3


@click.command("verify-certificate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--keys", "keys_file", type=click.Path(path_type=Path),
              help="Offline: the key set saved from /.well-known/jwks.json (default: this instance's keys "
                   "and register, which also gives the current status).")
@with_appcontext
def verify_certificate_command(file, keys_file):
    """Check that a certificate PDF was issued here and not altered.

    Exit status: 0 genuine and current; 1 the file fails (altered, not ours, unreadable, not
    found); 3 genuine but revoked, replaced or not in the register; 2 a wrong command line.
    """
    import json

    from flask_babel import gettext as _

    from lms.certificates import services
    from lms.certificates.keys import JWKS_PATH, keys_from_jwks
    from lms.certificates.sandbox import verify_bounded
    from lms.certificates.status import CATEGORY_LABELS, OFFLINE_NOTE, STATUS_LABELS, reason
    from lms.core.urls import public_url

    if not file.is_file():
        click.echo(_("NOT VALID: %(file)s: there is no such file.", file=file), err=True)
        sys.exit(EXIT_FILE_FAILS)
    if keys_file is not None and not keys_file.is_file():
        raise click.UsageError(_("The key set %(file)s does not exist: save it from %(url)s.", file=keys_file,
                                 url=public_url(JWKS_PATH)))
    data = file.read_bytes()
    if keys_file:
        try:
            key_set = keys_from_jwks(json.loads(keys_file.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as err:
            raise click.UsageError(_("%(file)s is not a key set saved from /.well-known/jwks.json (%(error)s).",
                                     file=keys_file, error=err.__class__.__name__)) from err
        check = services.Check(verify_bounded(data, key_set))
    else:
        check = services.check_document(data)
    verdict = check.verdict
    if not verdict.ok:
        if keys_file and verdict.code == "unknown_key":
            # Offline, an unknown key may only mean the saved set predates a rotation.
            click.echo(_("NOT VALID: %(file)s: %(reason)s", file=file, reason=_(
                "This PDF is not signed by any key in the saved key set: either it was not issued here, or "
                "the key set was saved before the platform's latest key.")), err=True)
            click.echo(_("  The saved key set may be older than the document: download it again from %(url)s "
                         "and check once more.", url=public_url(JWKS_PATH)), err=True)
        else:
            click.echo(_("NOT VALID: %(file)s: %(reason)s", file=file, reason=reason(verdict.code)), err=True)
        if verdict.detail:
            click.echo(_("  Technical detail: %(detail)s", detail=verdict.detail), err=True)
        sys.exit(EXIT_FILE_FAILS)
    p = verdict.payload or {}
    if keys_file or check.status == "valid":
        click.echo(_("VALID: %(file)s: %(reason)s", file=file, reason=reason(verdict.code)))
    else:
        # The file is genuine, but what it certifies no longer holds: the first word says so.
        headline = {"revoked": _("REVOKED"), "superseded": _("REPLACED")}.get(check.status, _("NOT IN THE REGISTER"))
        click.echo(_("%(headline)s: %(file)s: %(reason)s", headline=headline, file=file, reason=reason(verdict.code)))
    if verdict.kid:
        signed = verdict.signed_at.strftime("%d/%m/%Y %H:%M UTC") if verdict.signed_at else "?"
        click.echo(_("  Signed on %(when)s with the platform's key %(kid)s.", when=signed, kid=verdict.kid))
    if p.get("kind") == "award":
        click.echo(_("  Award certificates of contest %(contest)s: %(n)d award(s).", contest=p.get("contest"),
                     n=len(p.get("codes", []))))
    else:
        click.echo(_("  %(serial)s (version %(version)s): %(name)s, %(course)s, completed on %(date)s",
                     serial=p.get("serial"), version=p.get("version"), name=p.get("name"), course=p.get("course"),
                     date=_date(p.get("completed_on"))))
    if keys_file:
        if p.get("kind") == "award":
            click.echo(_("Revocation cannot be known offline. Check each award online: scan the QR code on its page "
                         "or open %(url)s.", url=public_url(f"/contests/{p.get('contest')}/awards/<code>")))
        else:
            click.echo(str(OFFLINE_NOTE % {"url": public_url("/verify"), "code": p.get("code") or "-"}))
        return
    click.echo(_("  Current status in the register: %(status)s", status=STATUS_LABELS.get(check.status, check.status)))
    cert = check.cert
    if cert is not None and cert.revoked_at is not None:
        click.echo(_("  Revoked on %(date)s: %(category)s.", date=cert.revoked_at.strftime("%d/%m/%Y"),
                     category=CATEGORY_LABELS.get(cert.revoked_category or "other", "")))
    for award in check.awards:
        if award is not None:
            click.echo(f"  {award.code}: {award.name}" + (f" ({award.unit_name})" if award.unit_name else ""))
    if check.status != "valid":
        sys.exit(EXIT_NOT_CURRENT)


def _date(iso: str | None) -> str:
    if not iso:
        return "?"
    year, month, day = str(iso).split("-")
    return f"{day}/{month}/{year}"


@click.group("certificates")
def certificates_group():
    """Certificate documents."""


def _render_one(args):
    cert_id, out_dir = args
    from lms.certificates.models import Certificate
    from lms.certificates.services import pdf_for
    from lms.extensions import db

    cert = db.session.get(Certificate, cert_id)
    path = Path(out_dir) / f"{cert.serial}-v{cert.version}.pdf"
    path.write_bytes(pdf_for(cert))
    db.session.remove()
    return str(path)


@certificates_group.command("render")
@click.option("--course", "course_slug", required=True)
@click.option("--org", "org_code", help="Only learners of this unit and the units under it.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--workers", type=int, default=0, help="Processes to use (default: one per core).")
@with_appcontext
def render_command(course_slug, org_code, out_dir, workers):
    """Write the PDF of every current certificate of a course that is not in OUTPUT yet."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    from flask import current_app
    from sqlalchemy import select

    from lms.certificates.models import Certificate
    from lms.courses.services import get_course
    from lms.extensions import db
    from lms.orgs.models import Organization
    from lms.orgs.services import get_org_by_code, subtree_clause

    course = get_course(course_slug)
    stmt = select(Certificate.id, Certificate.serial, Certificate.version).where(
        Certificate.course_id == course.id, Certificate.superseded_at.is_(None), Certificate.revoked_at.is_(None))
    if org_code:
        org = get_org_by_code(org_code)
        stmt = stmt.join(Organization, Organization.id == Certificate.org_id).where(subtree_clause(org.path))
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = [cid for cid, serial, version in db.session.execute(stmt)
            if not (out_dir / f"{serial}-v{version}.pdf").exists()]
    started = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(todo) > 20:
        from lms.certificates.keys import ensure_keys

        ensure_keys()  # created here, before the workers start
        app = current_app._get_current_object()
        db.engine.dispose()  # each process opens its own connections
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(app.import_name, dict(app.config),
                                                                              app.instance_path)) as pool:
            for _done in pool.map(_render_in_worker, [(cid, str(out_dir)) for cid in todo], chunksize=50):
                pass
    else:
        for cid in todo:
            _render_one((cid, str(out_dir)))
    seconds = time.perf_counter() - started
    rate = len(todo) / seconds if seconds else 0
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    click.echo(_("Rendered %(n)d certificate(s) into %(folder)s in %(seconds)s s (%(rate)s a second).", n=len(todo),
                 folder=out_dir, seconds=format_decimal(round(seconds, 1)), rate=format_decimal(round(rate))))


_WORKER_APP = None


def _init_worker(import_name, config, instance_path):
    global _WORKER_APP
    from lms import create_app

    _WORKER_APP = create_app({k: v for k, v in config.items() if k.isupper()}, instance_path=instance_path)


def _render_in_worker(args):
    with _WORKER_APP.app_context():
        return _render_one(args)


@certificates_group.command("rotate-key")
@with_appcontext
def rotate_key_command():
    """Make a new signing key current; earlier keys keep verifying what they signed."""
    from flask_babel import gettext as _

    from lms.audit.services import record_audit
    from lms.certificates.keys import rotate_key
    from lms.extensions import db

    retired, new = rotate_key()
    record_audit(None, "certificate.key.rotate", new_kid=new.kid, retired_kid=retired.kid if retired else None)
    db.session.commit()
    if retired is not None:
        click.echo(_("Key %(kid)s retired: it still verifies what it signed until %(when)s.", kid=retired.kid,
                     when=retired.valid_until.strftime("%d/%m/%Y %H:%M UTC")))
    click.echo(_("Key %(kid)s is now current: new certificates and badges are signed with it.", kid=new.kid))


@certificates_group.command("import-legacy-key")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_legacy_key_command(path):
    """Add a first-version key file (instance/certificate-signing-key.pem of any server) to the
    key set, so the certificates it signed keep verifying on every server."""
    from flask_babel import gettext as _

    from lms.certificates.keys import import_legacy_key

    kid = import_legacy_key(path)
    click.echo(_("Key %(kid)s is in the key set: what it signed before December 2026 keeps verifying.", kid=kid))


@certificates_group.command("keys")
@with_appcontext
def keys_command():
    """List every signing key with the period it was in use."""
    from flask_babel import gettext as _

    from lms.certificates.keys import public_keys

    for key in public_keys():
        until = key.valid_until.strftime("%d/%m/%Y %H:%M UTC") if key.valid_until else _("now (current)")
        click.echo(_("%(kid)s  %(alg)s  from %(start)s to %(end)s", kid=key.kid, alg=key.algorithm,
                     start=key.valid_from.strftime("%d/%m/%Y %H:%M UTC"), end=until))


commands = [verify_certificate_command, certificates_group]
