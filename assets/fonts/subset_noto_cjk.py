"""Regenerates assets/fonts/NotoSansCJKsc-Bold-subset.otf: Noto Sans CJK SC Bold cut down to
the characters the overlay labels and the receipt slip can show (every non-ASCII character in
src/report.rs, where the check titles and reason messages live, in the slip's labels, the review pages
(src/bin/idphoto/review.html, src/bin/idphoto/centre/), the evaluate page and in every spec's name under specs/, plus printable ASCII and a
little punctuation).

    apt-get download fonts-noto-cjk          # Debian 1:20220127+repack1-1, SIL OFL 1.1
    dpkg-deb -x fonts-noto-cjk_*.deb x
    pip install fonttools==4.68.0
    python3 assets/fonts/subset_noto_cjk.py x/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc

Run it again after adding Chinese text to src/report.rs, the slip or a spec's name;
`tests/report.rs` fails when a title has no glyph in the subset, the slip's unit test when a
label or spec name has none.
"""
import sys
import tomllib
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

root = Path(__file__).resolve().parents[2]
text = (root / "src/report.rs").read_text(encoding="utf-8")
text += (root / "src/bin/idphoto/centre/slip.rs").read_text(encoding="utf-8")
text += (root / "src/bin/idphoto/centre/review_page.html").read_text(encoding="utf-8")
text += (root / "src/bin/idphoto/centre/review.rs").read_text(encoding="utf-8")
text += (root / "src/bin/idphoto/review.html").read_text(encoding="utf-8")
text += (root / "src/bin/idphoto/evaluate_page.rs").read_text(encoding="utf-8")
for spec in sorted((root / "specs").rglob("*.toml")):
    name = tomllib.loads(spec.read_text(encoding="utf-8")).get("name", {})
    text += name.get("zh", "") + name.get("en", "")
chars = {c for c in text if ord(c) > 127}
chars |= {chr(c) for c in range(32, 127)}
chars |= set("·–—→×°%（）：，。、；")
font = TTCollection(sys.argv[1]).fonts[2]  # Noto Sans CJK SC Bold
assert "SC" in font["name"].getDebugName(4)
opts = subset.Options()
opts.layout_features = []
opts.name_IDs = ["*"]
opts.notdef_outline = True
sub = subset.Subsetter(opts)
sub.populate(text="".join(sorted(chars)))
sub.subset(font)
out = root / "assets/fonts/NotoSansCJKsc-Bold-subset.otf"
font.save(out)
print(f"{out}: {out.stat().st_size} bytes, {len(chars)} characters")
