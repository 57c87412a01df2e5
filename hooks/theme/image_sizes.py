"""Every image states its size, so the page does not shift as images arrive.

An ``<img>`` without width and height takes no room until it has loaded, and the text below it
jumps (cumulative layout shift). This step gives each image of a built page the width and height
it will be drawn at: an SVG's own width and height (or its viewBox), a PNG's pixel size. The
CSS keeps images fluid (max-width: 100%; height: auto), so only the aspect ratio is fixed.
Images are found in the built HTML, whatever made them: the figures this build draws (generated
files), images in the docs, or the PNGs inlined into notebook pages.
"""
from __future__ import annotations

import base64
import binascii
import posixpath
import re
import struct
from urllib.parse import unquote, urlsplit

from mkdocs.exceptions import PluginError

IMG = re.compile(r"<img\b[^>]*>")
ATTR = re.compile(r'\s([\w-]+)="([^"]*)"')
SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.S)
LENGTH = re.compile(r"^\s*([\d.]+)\s*(px|pt|)\s*$")
PX_PER_UNIT = {"": 1.0, "px": 1.0, "pt": 4 / 3}
_files: dict = {}


def svg_size(data: bytes) -> tuple[float, float] | None:
    """(width, height) in CSS px of an SVG document, from its width/height or its viewBox."""
    tag = SVG_TAG.search(data)
    if not tag:
        return None
    attrs = dict(ATTR.findall(tag.group(0).decode("utf-8", "replace")))
    lengths = [LENGTH.match(attrs.get(name, "")) for name in ("width", "height")]
    if all(lengths):
        return tuple(float(m.group(1)) * PX_PER_UNIT[m.group(2)] for m in lengths)
    box = attrs.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        return float(box[2]), float(box[3])
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def _data_url(src: str) -> bytes | None:
    header, _, payload = src.partition(",")
    if not header.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload[:64] if header.startswith("data:image/png") else payload)
    except (binascii.Error, ValueError):
        return None


def _source(src: str, page) -> bytes | None:
    if src.startswith("data:"):
        return _data_url(src)
    url = urlsplit(src)
    if url.scheme or url.netloc or src.startswith("/"):
        return None
    folder = posixpath.dirname(page.file.dest_uri)
    dest = posixpath.normpath(posixpath.join(folder, unquote(url.path)))
    file = _files.get(dest)
    return file.content_bytes if file is not None else None


def size_of(src: str, page) -> tuple[float, float] | None:
    data = _source(src, page)
    if data is None:
        return None
    return png_size(data) if data.startswith(b"\x89PNG") else svg_size(data)


def remember_files(files):
    """The build's files, once every step has added its own (figures are generated files)."""
    _files.clear()
    _files.update({file.dest_uri: file for file in files})


def sized_images(output: str, page) -> str:
    def sized(match):
        tag = match.group(0)
        attrs = dict(ATTR.findall(tag))
        if "width" in attrs or "height" in attrs:
            return tag
        size = size_of(attrs.get("src", ""), page)
        if size is None:
            raise PluginError(f"{page.file.src_uri}: cannot tell the size of the image {attrs.get('src', '')[:80]!r}")
        width, height = (round(v) for v in size)
        return tag[:-1].rstrip("/").rstrip() + f' width="{width}" height="{height}">'

    return IMG.sub(sized, output)
