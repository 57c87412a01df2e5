"""A table header cell with no text becomes an ordinary cell.

A Markdown table whose first column has no heading (``|   | Adam | Yogi |``) gets an empty
``<th>``: screen readers announce a header with no name. The empty corner is not a header, so it
becomes ``<td>`` (valid in a header row), on every page, whatever wrote the table.
"""
from __future__ import annotations

import re

EMPTY_HEADER = re.compile(r"<th(\s[^>]*)?>(\s|&nbsp;|&#160;)*</th>")


def ordinary_empty_headers(html: str) -> str:
    return EMPTY_HEADER.sub(lambda m: f"<td{m.group(1) or ''}></td>", html)
