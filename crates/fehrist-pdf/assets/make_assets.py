#!/usr/bin/python3
"""Makes the two binary assets the searchable PDF embeds (committed beside this script):

  glyphless.ttf  a TrueType font whose only glyph (besides .notdef) is empty and half an
                 em wide; every character of the invisible text layer is drawn with it,
                 so any script (Tajik, Russian, Uzbek, Latin) can be laid on the page and
                 found by a PDF reader's search through the font's ToUnicode map.
  srgb.icc       an sRGB ICC profile (Little CMS's built-in sRGB) for the PDF/A output
                 intent.

    /usr/bin/python3 crates/fehrist-pdf/assets/make_assets.py   # needs python3-fonttools, python3-pil
"""
import os

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import ImageCms

here = os.path.dirname(os.path.abspath(__file__))

builder = FontBuilder(unitsPerEm=1000, isTTF=True)
builder.setupGlyphOrder([".notdef", "blank"])
builder.setupCharacterMap({})
empty = TTGlyphPen(None).glyph()
builder.setupGlyf({".notdef": empty, "blank": empty})
builder.setupHorizontalMetrics({".notdef": (500, 0), "blank": (500, 0)})
builder.setupHorizontalHeader(ascent=1000, descent=0)
builder.setupNameTable({"familyName": "FehristGlyphless", "styleName": "Regular"})
builder.setupOS2(sTypoAscender=1000, sTypoDescender=0, usWinAscent=1000, usWinDescent=0)
builder.setupPost()
builder.save(os.path.join(here, "glyphless.ttf"))

profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
with open(os.path.join(here, "srgb.icc"), "wb") as f:
    f.write(profile.tobytes())
