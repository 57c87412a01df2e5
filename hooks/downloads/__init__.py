"""What the site offers for download: the code archive (archive), the torch-yogi wheel
(package), and the whole site as a zip to read from disk (offline)."""
