"""Code shown on the Adam and Yogi pages; every file here is tested under tests/."""
