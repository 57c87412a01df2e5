"""This build's runs of the chapter pages, for the hooks that show what they produced.

hooks/page_runs.py fills ``RESULTS`` ({chapter: result}, see hooks/page_runner.py) when the runs
end, in its ``on_files``; hooks/notebooks.py takes the notebooks' outputs from it. A module of its
own because MkDocs loads each hook file separately; this one is imported once, as
``hooks.page_results``, and never reloaded.
"""
RESULTS: dict = {}
