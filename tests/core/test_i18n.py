"""Vietnamese is the default language and every UI string has a Vietnamese translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
VI_PO = ROOT / "lms" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def test_every_ui_string_is_translated_to_vietnamese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "-o", str(pot), "--no-location", "."],
        check=True, cwd=ROOT,
    )
    with pot.open("rb") as fh:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with VI_PO.open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - translated)
    assert not missing, f"{len(missing)} strings lack a Vietnamese translation, e.g. {missing[:10]}"


def test_catalogue_compiles_and_serves_vietnamese(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in html
