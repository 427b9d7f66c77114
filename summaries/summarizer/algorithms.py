"""sumy 0.13.0's algorithms, computed with fewer operations and choosing the same sentences.

Each function takes a ``text.Document`` and returns one rating per candidate (list of floats, higher is
better; ties go to the earlier sentence). The pairwise algorithms (lexrank, textrank, reduction) are
sumy's formulas computed with numpy; the greedy ones (kl, sumbasic) stop after the sentences asked for
instead of ranking every sentence; lsa uses that sumy keeps every SVD dimension, so a sentence's rank is
the norm of its column of the term matrix. ``tests/test_summarizer.py`` checks each against sumy's own
class (``sumy_classes.sumy_reference``).

numpy is imported inside the functions that use it: it takes about half a second, every Django process
imports this package (``config.celery``'s self-check), and ``bench/summarization.py`` pins BLAS to one
thread before numpy's first import.
"""

from __future__ import annotations

import math
from collections import Counter

from summaries.summarizer.text import Document


def _overlap_matrix(bags: list[list[str]]):
    """``counts @ counts.T`` for bags of words: entry (i, j) = sum over words of count_i * count_j.

    Only words that occur in two or more sentences can meet off the diagonal, so the matrix product
    runs over those; the diagonal is computed on its own. Returns a float64 array (n, n).
    """
    import numpy as np

    n = len(bags)
    counters = [Counter(b) for b in bags]
    df = Counter(w for c in counters for w in c)
    shared = {w: i for i, w in enumerate(w for w, d in df.items() if d > 1)}
    matrix = np.zeros((n, len(shared)))
    for row, c in enumerate(counters):
        for w, k in c.items():
            col = shared.get(w)
            if col is not None:
                matrix[row, col] = k
    result = matrix @ matrix.T
    np.fill_diagonal(result, [sum(k * k for k in c.values()) for c in counters])
    return result


def lexrank(article: Document) -> list[float]:
    """sumy LexRankSummarizer: idf-modified cosine, threshold 0.1, power method with epsilon 0.1."""
    import numpy as np

    bags = article.content_stems()
    n = len(bags)
    counters = [Counter(b) for b in bags]
    df = Counter(w for c in counters for w in c)
    idf = {w: math.log(n / (1 + d)) for w, d in df.items()}
    # Weighted vectors tf/max_tf * idf; only the shared words matter off the diagonal.
    shared = {w: i for i, w in enumerate(w for w, d in df.items() if d > 1)}
    weights = np.zeros((n, len(shared)))
    norms = np.zeros(n)
    for row, c in enumerate(counters):
        top = max(c.values()) if c else 1
        total = 0.0
        for w, k in c.items():
            value = k / top * idf[w]
            total += value * value
            col = shared.get(w)
            if col is not None:
                weights[row, col] = value
        norms[row] = math.sqrt(total)
    numerator = weights @ weights.T
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(np.outer(norms, norms) > 0, numerator / np.outer(norms, norms), 0.0)
    np.fill_diagonal(cosine, (norms > 0).astype(float))
    matrix = (cosine > 0.1).astype(float)
    degrees = matrix.sum(axis=1)
    degrees[degrees == 0] = 1
    matrix /= degrees[:, None]
    p = np.full(n, 1.0 / n)
    for _ in range(10_000):
        following = matrix.T @ p
        size = np.linalg.norm(following)
        if size == 0:  # sumy divides by zero here and ranks by NaN; we keep document order
            return [0.0] * n
        following /= size
        change = np.linalg.norm(following - p)
        p = following
        if not change > 0.1:
            break
    return p.tolist()


def _pair_norms(bags: list[list[str]]):
    import numpy as np

    logs = np.array([math.log(len(b)) if b else 0.0 for b in bags])
    return logs[:, None] + logs[None, :]


def textrank(article: Document) -> list[float]:
    """sumy TextRankSummarizer: shared words / (log len_i + log len_j), PageRank d=0.85, eps 1e-4."""
    import numpy as np

    bags = article.content_stems()
    n = len(bags)
    rank = _overlap_matrix(bags)
    norm = _pair_norms(bags)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(rank == 0, 0.0, np.where(np.isclose(norm, 0.0), rank, rank / norm))
    weights /= weights.sum(axis=1)[:, None] + 1e-7
    matrix = np.full((n, n), 0.15 / n) + 0.85 * weights
    p = np.full(n, 1.0 / n)
    for _ in range(10_000):
        following = matrix.T @ p
        change = np.linalg.norm(following - p)
        p = following
        if not change > 1e-4:
            break
    return p.tolist()


def reduction_scores(bags: list[list[str]]) -> list[float]:
    """sumy ReductionSummarizer's score per bag of words (one bag per sentence): the sum over the other
    bags of shared words / (log len_i + log len_j). Also the centrality of ``digest``."""
    import numpy as np

    rank = _overlap_matrix(bags)
    norm = _pair_norms(bags)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where((rank == 0) | (norm == 0.0), 0.0, rank / norm)
    np.fill_diagonal(weights, 0.0)
    return weights.sum(axis=1).tolist()


def reduction(article: Document) -> list[float]:
    """sumy ReductionSummarizer: sum over the other sentences of shared words / (log len_i + log len_j)."""
    return reduction_scores(article.content_stems())


def lsa(article: Document) -> list[float]:
    """sumy LsaSummarizer. It keeps all singular values (REDUCTION_RATIO = 1), so its rank
    sqrt(sum_k sigma_k^2 v_kj^2) equals the norm of column j of the smoothed term matrix: no SVD needed.
    """
    stop, stem = article.lang.stop_words, article.lang.stem
    dictionary = {stem(w.lower()) for ws in [*article.words, *article.other_words] for w in ws if w.lower() not in stop}
    size = len(dictionary)
    ranks = []
    for ws in article.words:
        counts = Counter(s for s in (stem(w.lower()) for w in ws) if s in dictionary)
        if not counts:
            ranks.append(0.0)
            continue
        top = max(counts.values())
        # Every dictionary row gets the 0.4 smoothing, words of the sentence 0.4 + 0.6 * tf / max_tf.
        total = 0.16 * (size - len(counts)) + sum((0.4 + 0.6 * k / top) ** 2 for k in counts.values())
        ranks.append(math.sqrt(total))
    return ranks


def luhn(article: Document) -> list[float]:
    """sumy LuhnSummarizer (max gap 4, significant words = stems seen more than once), with a set."""
    stop, stem = article.lang.stop_words, article.lang.stem
    all_words = [w.lower() for ws in [*article.words, *article.other_words] for w in ws]
    counts = Counter(stem(w).lower() for w in all_words if w not in stop)
    significant = {w for w, k in counts.items() if k > 1}
    ratings = []
    for ws in article.words:
        chunks: list[list[int]] = []
        in_chunk = False
        for w in ws:
            hit = stem(w.lower()) in significant
            if hit and not in_chunk:
                in_chunk = True
                chunks.append([1])
            elif in_chunk:
                chunks[-1].append(int(hit))
            if chunks and chunks[-1][-4:] == [0, 0, 0, 0]:
                in_chunk = False
        best = 0.0
        for chunk in chunks:
            while chunk and chunk[-1] == 0:
                chunk.pop()
            significant_count = sum(chunk)
            if significant_count > 1:
                best = max(best, significant_count**2 / len(chunk))
        ratings.append(best)
    return ratings


# kl and sumbasic pick greedily; sumy ranks every sentence (quadratic), we stop after this many times
# the sentences asked for (the first picks are the same), leaving spares for the word cap.
_GREEDY_SPARE = 3


def _ranked_to_ratings(order: list[int], n: int) -> list[float]:
    ratings = [-float(n)] * n
    for position, index in enumerate(order):
        ratings[index] = -float(position)
    return ratings


def kl(article: Document, count: int) -> list[float]:
    """sumy KLSummarizer's greedy KL-Sum, stopped after ``count`` picks (sumy ranks all n: O(n^2))."""
    stop = article.lang.stop_words
    doc_words = [w.lower() for ws in article.words for w in ws if w not in stop]
    total = len(doc_words)
    doc_freq = {w: k / total for w, k in Counter(doc_words).items()} if total else {}
    content = [[w for w in (x.lower() for x in ws) if w not in stop] for ws in article.words]
    content_counts = [Counter(c) for c in content]
    remaining = list(range(len(content)))
    summary_counts: Counter[str] = Counter()
    summary_len = 0
    # KL(doc || summary + s) = sum over words w of f_w * (log f_w - log c_w + log L) where f is the
    # document frequency, c the joint count and L the joint length. The summary's own words are
    # summed once per pick (base, mass); each sentence then costs only its own words, not the summary's.
    base = mass_base = 0.0
    order: list[int] = []
    while remaining and len(order) < _GREEDY_SPARE * count:
        best, best_kl = 0, math.inf
        for position, index in enumerate(remaining):
            joint_len = len(content[index]) + summary_len
            kl, mass = base, mass_base
            for w, k in content_counts[index].items():
                frequency = doc_freq.get(w)
                if not frequency:
                    continue
                in_summary = summary_counts.get(w)
                if in_summary:
                    kl += frequency * (math.log(in_summary) - math.log(in_summary + k))
                else:
                    kl += frequency * (math.log(frequency) - math.log(k))
                    mass += frequency
            if mass:
                kl += mass * math.log(joint_len)
            if kl < best_kl:
                best, best_kl = position, kl
        chosen = remaining.pop(best)
        order.append(chosen)
        # sumy adds the chosen sentence's raw words (not lower-cased, stop words kept) to the summary.
        summary_counts.update(article.words[chosen])
        summary_len += len(article.words[chosen])
        base = mass_base = 0.0
        for w, c in summary_counts.items():
            frequency = doc_freq.get(w)
            if frequency:
                base += frequency * (math.log(frequency) - math.log(c))
                mass_base += frequency
    return _ranked_to_ratings(order, len(content))


def sumbasic(article: Document, count: int) -> list[float]:
    """sumy SumBasicSummarizer's greedy picks, stopped after ``count`` picks."""
    bags = article.content_stems()
    all_words = [w for b in bags for w in b]
    total = len(all_words)
    freq = {w: k / total for w, k in Counter(all_words).items()} if total else {}
    remaining = list(range(len(bags)))
    order: list[int] = []
    while remaining and len(order) < _GREEDY_SPARE * count:
        best, best_value = 0, -1.0
        for position, index in enumerate(remaining):
            bag = bags[index]
            value = sum(freq[w] for w in bag) / len(bag) if bag else 0
            if value > best_value:
                best, best_value = position, value
        chosen = remaining.pop(best)
        order.append(chosen)
        for w in bags[chosen]:  # sumy squares once per occurrence
            freq[w] *= freq[w]
    return _ranked_to_ratings(order, len(bags))
