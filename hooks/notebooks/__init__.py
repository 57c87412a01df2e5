"""The chapters' notebooks and scripts: generated from the pages, with this build's outputs
(generate); their pages, files and download links (pages); their markup made valid and static
(markup) and their style sheets pruned to what they use (css)."""
