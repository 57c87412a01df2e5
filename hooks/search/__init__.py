"""Search: the page as the search plugin reads it, formulas as readable text and headings without
"¶" (page_text); one index per language with the dictionary its Chinese queries are cut with
(index); jieba's dictionary from the project's cache (jieba_cache); the browser's cut (segment.js)."""
