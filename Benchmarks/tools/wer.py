"""Word error rate, as the benchmarks measure it: one definition, shared (the Swift tests have their own)."""
import re


def words(text, curly_apostrophes=False):
    """The lower-case words of TEXT: runs of a-z, 0-9 and ' (everything else separates). With curly_apostrophes,
    a right single quotation mark counts as an apostrophe (Whisper writes both)."""
    text = text.lower()
    if curly_apostrophes:
        text = text.replace("’", "'")
    return re.sub(r"[^a-z0-9' ]", " ", text).split()


def wer(ref, hyp):
    """Word error rate of the word list HYP against the word list REF: Levenshtein distance over words (one row,
    substitutions, insertions and deletions each cost 1) divided by the reference's length (at least 1)."""
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)] / max(1, len(ref))
