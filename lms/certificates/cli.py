"""`lms verify-certificate FILE.pdf` and `lms certificates render`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("verify-certificate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM public key (from /.well-known/lms-certificate-key.pem); default: this instance's key.")
@with_appcontext
def verify_certificate_command(file, public_key):
    """Check offline that a certificate PDF was issued here and not altered (no database lookup)."""
    from lms.certificates.signing import load_public_key
    from lms.certificates.verify import verify_pdf

    if public_key:
        key = load_public_key(public_key.read_bytes())
    else:
        from lms.certificates.services import signing_key

        key = signing_key().public_key()
    verdict = verify_pdf(file.read_bytes(), key)
    if verdict.ok:
        p = verdict.payload
        click.echo(f"VALID: {file}: {verdict.reason}.")
        click.echo(f"  {p['serial']} (version {p['version']}): {p['name']} - {p['course']}, completed {p['completed_on']}")
        click.echo("  (Revocation is not known offline: check the verification page for the current status.)")
    else:
        click.echo(f"NOT VALID: {file}: {verdict.reason}.", err=True)
        sys.exit(1)


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
        Certificate.course_id == course.id, Certificate.superseded_at.is_(None))
    if org_code:
        org = get_org_by_code(org_code)
        stmt = stmt.join(Organization, Organization.id == Certificate.org_id).where(subtree_clause(org.path))
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = [cid for cid, serial, version in db.session.execute(stmt)
            if not (out_dir / f"{serial}-v{version}.pdf").exists()]
    started = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(todo) > 20:
        from lms.certificates.services import signing_key

        signing_key()  # created here, before the workers start
        app = current_app._get_current_object()
        db.engine.dispose()  # each process opens its own connections
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(app.import_name, dict(app.config),
                                                                              app.instance_path)) as pool:
            for _ in pool.map(_render_in_worker, [(cid, str(out_dir)) for cid in todo], chunksize=50):
                pass
    else:
        for cid in todo:
            _render_one((cid, str(out_dir)))
    seconds = time.perf_counter() - started
    rate = len(todo) / seconds if seconds else 0
    click.echo(f"Rendered {len(todo)} certificate(s) into {out_dir} in {seconds:.1f}s ({rate:.0f}/s).")


_WORKER_APP = None


def _init_worker(import_name, config, instance_path):
    global _WORKER_APP
    from lms import create_app

    _WORKER_APP = create_app({k: v for k, v in config.items() if k.isupper()}, instance_path=instance_path)


def _render_in_worker(args):
    with _WORKER_APP.app_context():
        return _render_one(args)


commands = [verify_certificate_command, certificates_group]
