"""Regenerate the bundled fonts from DejaVu (Debian's fonts-dejavu-core):

    python lms/certificates/fonts/make_subsets.py /usr/share/fonts/truetype/dejavu

Only the scripts certificates need are kept (Latin with every Vietnamese letter, combining
marks, punctuation, currency): PDFs render several times faster than with the full fonts.
"""

import sys
from pathlib import Path

from fontTools import subset

RANGES = "U+0020-024F,U+0300-036F,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-214F,U+2190-21FF,U+25A0-25FF"
FONTS = {"DejaVuSans.ttf": "DejaVuSans-Latin.ttf", "DejaVuSans-Bold.ttf": "DejaVuSans-Bold-Latin.ttf",
         "DejaVuSerif-Bold.ttf": "DejaVuSerif-Bold-Latin.ttf"}


def main(source: Path) -> None:
    out = Path(__file__).resolve().parent
    for name, target in FONTS.items():
        subset.main([str(source / name), f"--unicodes={RANGES}", f"--output-file={out / target}",
                     "--layout-features=*", "--name-IDs=*", "--name-legacy", "--notdef-outline"])
        print(target, (out / target).stat().st_size, "bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu"))
