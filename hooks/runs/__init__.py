"""The chapters' code, run by the build as a reader runs it (page_runs, runner), and what the
pages show of it: printed outputs, figures, notes (results), the benchmark table (benchmark),
the playground's data (playground)."""
