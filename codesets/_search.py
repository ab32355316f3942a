"""A small ranked, typo-tolerant keyword index shared by the code sets.

Documents are numbered ``0..n-1`` and carry one or more text fields, each with a weight
(the description counts more than an inclusion term). The index is plain data
(strings, bytes, dicts) so that it can be cached with :mod:`marshal` and loaded in a
few milliseconds.

A query is split into words. Each word matches index terms in three ways, best first:
the exact term, terms that start with it (for search-as-you-type: ``diab`` finds
``diabetes``), and terms within a small edit distance (typos: ``diabetis``). A document
must match every query word; if none does, the documents matching the most words are
returned instead. Scores add up the inverse document frequency of each matched term
times the field weight and the match quality, are damped for long texts (so the concise
"Type 2 diabetes mellitus without complications" outranks a long combination code) and
multiplied by an optional per-document prior.
"""

from __future__ import annotations

import bisect
import math
import re
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")
# Words too common to help ranking (they still appear in descriptions).
STOPWORDS = frozenset(
    "a an and as at by for from in into of on or the to with without other than".split()  # noqa: SIM905
)

EXACT, PREFIX, FUZZY = 1.0, 0.85, 0.7
_PREFIX_LIMIT = 40


def words(textvalue: str) -> list[str]:
    """Lower-case alphanumeric words of ``textvalue``, stopwords removed."""
    return [w for w in _WORD.findall(textvalue.lower()) if w not in STOPWORDS]


def build(docs: Iterable[Sequence[tuple[str, float]]], n_docs: int) -> dict[str, Any]:
    """Build index data from ``docs``: for each document, a list of ``(text, weight)``.

    ``weight`` is in (0, 1]; a word seen in several fields keeps its best weight.
    Returns a marshal-able dict for :class:`TextIndex`.
    """
    postings: dict[str, dict[int, int]] = {}
    lengths = array("H", [0] * n_docs)
    for doc, fields in enumerate(docs):
        first = True
        for textvalue, weight in fields:
            ws = words(textvalue)
            if first:
                lengths[doc] = min(len(ws), 65535)
                first = False
            w8 = max(1, min(100, round(weight * 100)))
            for w in ws:
                post = postings.setdefault(w, {})
                if post.get(doc, 0) < w8:
                    post[doc] = w8
    vocab = sorted(postings)
    docs_b: dict[str, bytes] = {}
    weights_b: dict[str, bytes] = {}
    for term in vocab:
        items = sorted(postings[term].items())
        docs_b[term] = array("I", [d for d, _ in items]).tobytes()
        weights_b[term] = bytes(w for _, w in items)
    return {
        "n": n_docs,
        "vocab": vocab,
        "docs": docs_b,
        "weights": weights_b,
        "lengths": lengths.tobytes(),
    }


class TextIndex:
    """Query side of the index built by :func:`build`."""

    def __init__(self, data: dict[str, Any], prior: Sequence[float] | None = None) -> None:
        import numpy as np  # imported here: only searching needs it

        self._np = np
        self.n: int = data["n"]
        self.vocab: list[str] = data["vocab"]
        self._docs: dict[str, bytes] = data["docs"]
        self._weights: dict[str, bytes] = data["weights"]
        lengths = np.frombuffer(data["lengths"], dtype=np.uint16).astype(np.float32)
        self._lengths = np.maximum(lengths, 1)
        avg = float(lengths.mean()) if self.n else 1.0
        # BM25-style length factor: 1 for an average-length text, more for a concise
        # one, less for a long one (k = 1.2).
        self._damp = 2.2 / (1.2 + self._lengths / max(avg, 1.0))
        if prior is not None:
            self._damp = self._damp * np.asarray(prior, dtype=np.float32)
        self._vocab_by_len: dict[int, list[str]] | None = None

    # -- term expansion ------------------------------------------------------------

    def _idf(self, term: str) -> float:
        df = len(self._docs[term]) // 4
        return math.log(1.0 + self.n / (1.0 + df))

    def _prefix_terms(self, word: str) -> list[str]:
        i = bisect.bisect_left(self.vocab, word)
        out = []
        while i < len(self.vocab) and self.vocab[i].startswith(word) and len(out) < _PREFIX_LIMIT:
            if self.vocab[i] != word:
                out.append(self.vocab[i])
            i += 1
        return out

    def _fuzzy_terms(self, word: str) -> list[str]:
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extract

        if len(word) < 4 or word.isdigit():
            return []
        if self._vocab_by_len is None:
            by_len: dict[int, list[str]] = {}
            for t in self.vocab:
                by_len.setdefault(len(t), []).append(t)
            self._vocab_by_len = by_len
        cutoff = 1 if len(word) < 8 else 2
        pool: list[str] = []
        for n in range(len(word) - cutoff, len(word) + cutoff + 1):
            pool.extend(self._vocab_by_len.get(n, ()))
        hits = extract(word, pool, scorer=Levenshtein.distance, score_cutoff=cutoff, limit=8)
        return [t for t, _, _ in hits if t != word]

    def expand(self, word: str) -> list[tuple[str, float]]:
        """Index terms that a query word matches, with their match quality."""
        out: list[tuple[str, float]] = []
        if word in self._docs:
            out.append((word, EXACT))
        if len(word) >= 3 and not word.isdigit():
            out.extend((t, PREFIX) for t in self._prefix_terms(word))
        if not out:
            out.extend((t, FUZZY) for t in self._fuzzy_terms(word))
        return out

    # -- query ---------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        mask: Any = None,
        synonyms: dict[str, str] | None = None,
    ) -> list[tuple[int, float, list[str]]]:
        """Best documents for ``query``: ``[(doc, score, query_words_matched)]``, best first.

        ``mask`` is an optional boolean array of documents allowed in the result;
        ``synonyms`` maps a query word (an abbreviation such as ``ckd``) to the words it
        stands for.
        """
        np = self._np
        qtext = query.lower()
        if synonyms:
            qtext = " ".join(synonyms.get(w, w) for w in _WORD.findall(qtext))
        qwords = list(dict.fromkeys(words(qtext)))
        if not qwords or limit <= 0:
            return []
        per_word = []
        matched: list[str] = []
        for w in qwords:
            terms = self.expand(w)
            if not terms:
                continue
            score = np.zeros(self.n, dtype=np.float32)
            for term, quality in terms:
                ids = np.frombuffer(self._docs[term], dtype=np.uint32)
                wts = np.frombuffer(self._weights[term], dtype=np.uint8).astype(np.float32)
                s = wts * np.float32(quality * self._idf(term) / 100.0)
                score[ids] = np.maximum(score[ids], s)
            per_word.append(score)
            matched.append(w)
        if not per_word:
            return []
        stack = np.vstack(per_word)
        hits = (stack > 0).sum(axis=0)
        best = int(hits.max())
        if best == 0:
            return []
        # Coverage: a text whose words are mostly the query's ranks higher.
        coverage = np.minimum(hits / self._lengths, 1.0)
        total = stack.sum(axis=0) * self._damp * (0.6 + 0.4 * coverage)
        eligible = hits == best
        if mask is not None:
            eligible &= mask
        total = np.where(eligible, total, 0)
        k = min(limit, int(eligible.sum()))
        if k == 0:
            return []
        top = np.argpartition(-total, k - 1)[:k]
        top = top[np.lexsort((top, -total[top]))]
        out = []
        for doc in top:
            d = int(doc)
            words_hit = [w for w, sc in zip(matched, per_word, strict=True) if sc[d] > 0]
            out.append((d, float(total[d]), words_hit))
        return out
