"""Vendor the OpenMoji pictograms named in content/pictograms/pictograms.yaml.

Run once when the list changes, with an unpacked `openmoji` npm package
(`npm pack openmoji@17.0.0 && tar xzf openmoji-17.0.0.tgz`) and cairosvg installed:

    python tools/render_pictograms.py /path/to/package

It copies each SVG and renders a 512x512 PNG on a white background (Telegram shows
transparent PNGs on dark themes badly). Only the needed files are vendored.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import cairosvg  # type: ignore[import-not-found]
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PICTOGRAMS = ROOT / "content" / "pictograms"


def main(openmoji_package: Path) -> None:
    names = yaml.safe_load((PICTOGRAMS / "pictograms.yaml").read_text(encoding="utf-8"))
    for name, hexcode in names.items():
        svg = openmoji_package / "color" / "svg" / f"{hexcode}.svg"
        shutil.copyfile(svg, PICTOGRAMS / f"{name}.svg")
        png = cairosvg.svg2png(url=str(svg), output_width=448, output_height=448)
        icon = Image.open(io.BytesIO(png)).convert("RGBA")
        canvas = Image.new("RGBA", (512, 512), "white")
        canvas.alpha_composite(icon, (32, 32))
        canvas.convert("RGB").save(PICTOGRAMS / f"{name}.png", optimize=True)
    print(f"{len(names)} pictograms written to {PICTOGRAMS}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
