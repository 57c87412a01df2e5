"""The pages' markup and Material's assets as the site serves them: Material's assets edited in
one place (material), the language switch and sitemaps (language_links), a 404 page per
language (not_found), Chinese line breaks (cjk_text), empty header cells (table_headers), image
sizes (image_sizes), code spans without colour (code_spans)."""
