"""The site's MkDocs hooks (mkdocs.yml lists them). MkDocs loads each hook file on its own; the
modules they share (chapters, figures, labels; page_results, the state of one build) are
imported as ``hooks.<name>``."""
import importlib


def fresh(*names):
    """``hooks.<name>`` for each name, imported afresh, so that `mkdocs serve` runs edits."""
    return [importlib.reload(importlib.import_module(f"{__name__}.{name}")) for name in names]
