"""The build's own plumbing, shared by every stage: one build at a time (lock), files written
whole (files), the project's cache folder (cache), child processes that end with the build
(children, guard), and what the hooks read of other plugins beyond their options (plugins)."""
