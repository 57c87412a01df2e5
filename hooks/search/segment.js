// Cuts a run of Chinese characters into words the way jieba cut the search index, with what
// hooks/search_index.py ships in each index's config:
//   {total: jieba's total frequency, freq: {word: frequency}, hmm: {characters: [words]}}
// 1. jieba's dictionary cut: the route through the dictionary words of the run that maximises the
//    product of their probabilities (freq / total; a character that is no word counts 1);
// 2. a stretch of single characters that route leaves, if it is not a word itself, as jieba's
//    HMM re-cut it in the index's text (stretches the index never had stay single characters).
// On the index's own text this gives jieba's words exactly (tests/test_site.py checks it).
//
// hooks/search_worker.py puts this file in front of Material's search worker, which then cuts a
// query's Chinese with it (Material's own segmentation never tries a whole query word, so 动量
// became 动 and found 动机). Node can require it too.
var adamYogiSegment = (function () {
  function longestWord(dictionary) {
    if (dictionary.longest === undefined) {
      var longest = 1;
      for (var word in dictionary.freq) longest = Math.max(longest, Array.from(word).length);
      dictionary.longest = longest;
    }
    return dictionary.longest;
  }

  function route(chars, dictionary) {
    var freq = dictionary.freq, logTotal = Math.log(dictionary.total), n = chars.length;
    var longest = longestWord(dictionary);
    var best = new Array(n + 1); // best[i] = [log probability of chars[i..n), end of first word]
    best[n] = [0, n];
    for (var i = n - 1; i >= 0; i--) {
      var ends = [];
      for (var j = i + 1; j <= Math.min(n, i + longest); j++) {
        if (freq[chars.slice(i, j).join("")]) ends.push(j);
      }
      if (!ends.length) ends.push(i + 1); // jieba: a character no word starts with, on its own
      best[i] = null;
      for (var e = 0; e < ends.length; e++) {
        var score = Math.log(freq[chars.slice(i, ends[e]).join("")] || 1) - logTotal + best[ends[e]][0];
        // a tie goes to the longer word, as with Python's max() over (score, end) pairs
        if (best[i] === null || score > best[i][0] || (score === best[i][0] && ends[e] > best[i][1])) {
          best[i] = [score, ends[e]];
        }
      }
    }
    var words = [];
    for (var k = 0; k < n; k = best[k][1]) words.push(chars.slice(k, best[k][1]).join(""));
    return words;
  }

  function cut(run, dictionary) {
    var words = [], stretch = "";
    function flush() {
      if (Array.from(stretch).length > 1 && !dictionary.freq[stretch] && dictionary.hmm[stretch]) {
        words.push.apply(words, dictionary.hmm[stretch]);
      } else {
        words.push.apply(words, Array.from(stretch));
      }
      stretch = "";
    }
    route(Array.from(run), dictionary).forEach(function (word) {
      if (Array.from(word).length === 1) {
        stretch += word;
      } else {
        flush();
        words.push(word);
      }
    });
    flush();
    return words;
  }
  return cut;
})();
if (typeof module !== "undefined") module.exports = adamYogiSegment;
