"""Vendor reveal.js into the course so slide decks present with no network.

    python scripts/vendor_revealjs.py

nbconvert's slide template loads reveal.js from a CDN; the course's own template
(``course_lib/publish/templates/offline_reveal``) inlines a copy instead. This script fetches that
copy once with ``npm pack`` (the version nbconvert's template was written for, read from
nbconvert itself) and keeps only what a deck uses: the licence, the core script, its style sheet
and the ``simple`` theme, with the theme's web-font ``@import`` lines removed (the theme's own
fallback fonts are used offline). Rerun it after an nbconvert upgrade that moves the version.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from course_lib import files

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "course_lib" / "publish" / "templates" / "offline_reveal" / "reveal.js"
KEEP = ("LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/simple.css")
WEB_FONT_IMPORT = re.compile(r"^@import url\(https?://[^)]*\);\n", re.MULTILINE)


def expected_version() -> str:
    """The reveal.js version nbconvert's slide template expects (its default CDN URL says it)."""
    from nbconvert.exporters.slides import SlidesExporter

    prefix = SlidesExporter().reveal_url_prefix
    match = re.search(r"reveal\.js@([\d.]+)", prefix)
    if match is None:
        raise SystemExit(f"vendor_revealjs: no version in nbconvert's reveal URL {prefix!r}")
    return match.group(1)


def vendor(version: str, target: Path = VENDOR) -> list[Path]:
    """Fetch reveal.js ``version`` from the npm registry and write the trimmed copy to ``target``."""
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(["npm", "pack", f"reveal.js@{version}", "--silent"], cwd=scratch,
                       check=True, stdout=subprocess.DEVNULL)
        with tarfile.open(Path(scratch) / f"reveal.js-{version}.tgz") as archive:
            members = [archive.getmember(f"package/{name}") for name in KEEP]
            archive.extractall(scratch, members=members, filter="data")
        if target.exists():
            shutil.rmtree(target)
        written = []
        for name in KEEP:
            text = (Path(scratch) / "package" / name).read_text(encoding="utf-8")
            if name.endswith(".css"):
                text = WEB_FONT_IMPORT.sub("", text)
            written.append(files.write_text_atomic(target / name, text, with_hash=False))
    written.append(files.write_text_atomic(target / "VERSION", version + "\n", with_hash=False))
    return written


def main() -> int:
    version = expected_version()
    for path in vendor(version):
        print(f"vendor_revealjs: {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    print(f"vendor_revealjs: reveal.js {version} in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
