"""Search: one index per language with the dictionary its Chinese queries are cut with (index),
jieba's dictionary from the project's cache (jieba_cache), the browser's cut (segment.js)."""
