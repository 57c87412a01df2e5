"""What the site offers for download: the code archive (archive), the torch-yogi wheel
(package), and the whole site as a zip to read from disk (offline)."""
import posixpath


def from_page(page, path: str) -> str:
    """``path``, a file given from the site's root (``assets/x.pdf``), as ``page`` links it."""
    here = posixpath.dirname(page.url.rstrip("/") + "/index.html") if page.url else ""
    return posixpath.relpath(path, here or ".")
