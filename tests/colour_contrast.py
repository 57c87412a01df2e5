"""WCAG 2 contrast of sRGB colours, for the tests of the figures' palettes and of the figures as
the browser shows them."""
import re


def _luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    """The contrast ratio of two (r, g, b) colours, 1 to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hex_rgb(colour):
    """``#rrggbb`` as (r, g, b)."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def css_rgb(colour):
    """A computed CSS colour, ``rgb(r, g, b)`` or ``rgba(…)``, as (r, g, b)."""
    values = re.findall(r"[\d.]+", colour)
    if not colour.startswith("rgb") or len(values) < 3:
        raise ValueError(f"not a computed rgb() colour: {colour!r}")
    return tuple(int(float(c)) for c in values[:3])
