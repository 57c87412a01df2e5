"""What a page is made of: its items in page order, its code sections (chapters), the figures
it draws (figures), and the site's words in each language (labels)."""
