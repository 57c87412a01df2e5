"""The site as one PDF per language, made by the build from its own pages: every chapter in the
order of the navigation, with its typeset math, figures, code and references, and the links
between chapters as links inside the PDF.

* ``hooks.pdf.book``: the print document of one language, made of the built pages' articles;
* ``hooks.pdf.printer``: Chromium (through Playwright) printing a print document to PDF, run as
  a child of the build;
* ``hooks.pdf.download``: the printing started per language and collected at the end, and the
  home pages' link to their PDF.
"""
