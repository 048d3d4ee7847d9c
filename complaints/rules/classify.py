"""Suggestions learnt from the organisation's closed complaints: words → category, priority,
department, and the emotion the agents recorded.

Pure functions over plain values. Training (scikit-learn's logistic regression over the words of
each complaint, jieba cutting the Chinese) turns samples into plain JSON-ready parameters; scoring
reads those parameters only, so a suggestion needs no scikit-learn and shows the words behind it.
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from complaints.rules.signals import CJK, normalise

TARGETS = ("category", "priority", "department", "emotion")
# Targets that also learn from pieces of words (features() below): how upset a customer sounds is
# said in endless words (忍到极限, 拖了两周, infuriating) that share characters with the few the
# organisation's history holds; a category is named by whole words, which read better as reasons.
PIECE_TARGETS = frozenset({"emotion"})
# Marks a piece feature, so it never collides with a word and the word-only targets can skip it.
PIECE = "~"
# Two or more ! or ? in a row, and an English word in capitals: how it is written, not what.
PUNCTUATION_RUN = re.compile(r"[!?！？]{2,}")
SHOUTED = re.compile(r"(?<![A-Za-z])[A-Z]{4,}(?![A-Za-z])")
LATIN_LETTERS = re.compile(r"[a-z]{4,}")
ENGLISH_PIECE = 4
LATIN_WORD = re.compile(r"[a-z][a-z0-9\u00c0-\u024f'-]{2,}")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words that carry no meaning for the three targets (both languages).
STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "was",
        "were",
        "have",
        "has",
        "had",
        "are",
        "not",
        "but",
        "you",
        "your",
        "our",
        "they",
        "them",
        "their",
        "from",
        "when",
        "what",
        "which",
        "there",
        "been",
        "into",
        "out",
        "about",
        "after",
        "before",
        "then",
        "than",
        "very",
        "just",
        "also",
        "would",
        "could",
        "will",
        "can",
        "的",
        "了",
        "是",
        "我",
        "我们",
        "你们",
        "他们",
        "在",
        "和",
        "就",
        "都",
        "也",
        "还",
        "又",
        "很",
        "这",
        "那",
        "一个",
        "没有",
        "什么",
        "已经",
        "因为",
        "所以",
        "但是",
        "然后",
        "现在",
        "时候",
    ]
)
WORDS_SHOWN = 3
MIN_WORD_WEIGHT = 0.05
# The most words (and pieces) a target keeps, the strongest first: pieces of a large history run to
# tens of thousands, and every process parses the model in use once (memory and time, not policy).
MAX_WORDS_KEPT = 5000


def tokens(text: str) -> tuple[str, ...]:
    """Rule: English words of three or more letters and jieba's Chinese words of two or more
    characters, after NFKC and case folding, without stop words, each once, in text order.

    Example: tokens("刹车失灵 brakes failed") == ("刹车", "失灵", "brakes", "failed")
    Why: Chinese has no spaces; jieba's dictionary cuts 刹车失灵 into words a person would read
    as the reason for a suggestion.
    """
    import jieba

    folded = normalise(text)
    out: list[str] = []
    for match in re.finditer(rf"{CJK_RUN.pattern}|{LATIN_WORD.pattern}", folded):
        piece = match.group(0)
        words = jieba.lcut(piece, HMM=False) if CJK.match(piece) else [piece]
        out += [w for w in words if len(w) >= 2 and w not in STOP_WORDS]
    return tuple(dict.fromkeys(out))


def features(text: str) -> tuple[str, ...]:
    """Rule: the words (tokens above) and, marked with PIECE, the pieces of words: every Chinese
    character and pair of neighbouring characters, every four letters of an English word (with its
    start and end), and "!!" / "ABC" when the text has a run of ! or ? or a word in capitals; each
    once, in text order.

    Example: features("极限了!!") == ("极限", "~极", "~限", "~了", "~极限", "~限了", "~!!");
             features("so RUDE") ends with ("~<rud", "~rude", "~ude>", "~ABC")
    Why: a model trained on a few hundred complaints has not seen most words a customer uses; pieces
    of them it has (极限 shares 极 with 极了, infuriating shares "furi" with furious).
    Cross-validation on the labelled set: 55 % → 67 % exact for the emotion (docs/triage.md).
    """
    folded = normalise(text)
    pieces: list[str] = []
    for run in CJK_RUN.findall(folded):
        pieces += list(run)
        pieces += [run[i : i + 2] for i in range(len(run) - 1)]
    for word in LATIN_LETTERS.findall(folded):
        marked = f"<{word}>"
        pieces += [marked[i : i + ENGLISH_PIECE] for i in range(len(marked) - ENGLISH_PIECE + 1)]
    if PUNCTUATION_RUN.search(text):
        pieces.append("!!")
    if SHOUTED.search(text):
        pieces.append("ABC")
    return tokens(text) + tuple(dict.fromkeys(PIECE + p for p in pieces))


def shown_word(feature: str) -> str:
    """A feature as the agent reads it (a piece without its mark)."""
    return feature.removeprefix(PIECE)


@dataclass(frozen=True)
class Suggestion:
    target: str
    value: str  # the label (a primary key as text)
    confidence: float  # 0–1
    words: tuple[str, ...]


def suggest(text_tokens: Sequence[str], params: Mapping[str, Any]) -> list[Suggestion]:
    """Rule: for each target, the label with the highest probability (softmax over the intercept
    plus the weights of the words present), its probability as the confidence, and the words that
    pushed most towards it.

    Example: ("刹车", "失灵") with a model where 刹车 weighs most for category 7 → Suggestion(
             "category", "7", 0.81, ("刹车",)).
    Why: an agent accepts a suggestion they can check; "because of 刹车" can be checked.
    """
    out = []
    for target in TARGETS:
        model = params.get(target)
        if not model:
            continue
        classes: list[str] = model["classes"]
        weights: Mapping[str, list[float]] = model["weights"]
        logits = list(model["intercept"])
        present = [t for t in text_tokens if t in weights]
        for token in present:
            logits = [a + b for a, b in zip(logits, weights[token], strict=True)]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        best = max(range(len(classes)), key=lambda i: (exp[i], -i))
        pushes = sorted(
            ((weights[t][best] - sum(weights[t]) / len(classes), t) for t in present), key=lambda p: (-p[0], p[1])
        )
        out.append(
            Suggestion(
                target=target,
                value=classes[best],
                confidence=round(exp[best] / sum(exp), 3),
                words=tuple(dict.fromkeys(shown_word(t) for w, t in pushes if w > MIN_WORD_WEIGHT))[:WORDS_SHOWN],
            )
        )
    return out


def priority_floor(*, rules_rank: int, chosen_rank: int | None) -> int:
    """Rule: priorities are ranked 0 = most urgent; the complaint gets the more urgent of what the
    rules decided and what the agent chose (from a suggestion or by hand).

    Example: priority_floor(rules_rank=1, chosen_rank=3) == 1; priority_floor(rules_rank=2, chosen_rank=0) == 0
    Why: a suggestion learnt from history may be wrong; the rules (safety, P0) are never weakened.
    """
    return rules_rank if chosen_rank is None else min(rules_rank, chosen_rank)


@dataclass(frozen=True)
class Sample:
    tokens: tuple[str, ...]
    labels: Mapping[str, str]  # target → label; a missing target is not learnt from this sample


def train(samples: Sequence[Sample], *, seed: int, holdout_percent: int) -> dict[str, Any]:
    """Rule: per target, a logistic regression over which words (for PIECE_TARGETS also which pieces
    of words) occur, fitted on the samples
    outside a held-out share (chosen by `seed`, stratified when every label has two samples) and
    evaluated on that share: per-label precision, recall and support, the accuracy, and the
    accuracy of always answering the most frequent label (the baseline to beat).

    Returns {"params": {target: {classes, intercept, weights}}, "evaluation": {target: {...}}}.
    Why: the same samples and seed give the same model and figures (reproducible training); the
    figures are on complaints the model did not see.
    """
    from collections import Counter

    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import train_test_split

    params: dict[str, Any] = {}
    evaluation: dict[str, Any] = {}
    for target in TARGETS:
        pieces = target in PIECE_TARGETS
        rows = [
            (s.tokens if pieces else tuple(t for t in s.tokens if not t.startswith(PIECE)), s.labels[target])
            for s in samples
            if s.labels.get(target)
        ]
        counts = Counter(label for _tokens, label in rows)
        if len(counts) < 2 or len(rows) < 4:
            continue
        docs, labels = [list(t) for t, _l in rows], [label for _t, label in rows]
        stratify = labels if min(counts.values()) >= 2 else None
        try:
            train_docs, test_docs, train_y, test_y = train_test_split(
                docs, labels, test_size=holdout_percent / 100, random_state=seed, stratify=stratify
            )
        except ValueError:  # too few samples per label for a stratified split
            train_docs, test_docs, train_y, test_y = train_test_split(
                docs, labels, test_size=holdout_percent / 100, random_state=seed
            )
        if len(set(train_y)) < 2:
            continue
        vectoriser = CountVectorizer(analyzer=_identity, binary=True)
        x_train = vectoriser.fit_transform(train_docs)
        model = LogisticRegression(C=2.0, max_iter=1000, random_state=seed)
        model.fit(x_train, train_y)
        predicted = model.predict(vectoriser.transform(test_docs))
        classes = [str(c) for c in model.classes_]
        precision, recall, _f1, support = precision_recall_fscore_support(
            test_y, predicted, labels=classes, zero_division=0
        )
        majority = Counter(train_y).most_common(1)[0][0]
        coef = model.coef_ if len(classes) > 2 else _binary_coef(model.coef_)
        intercept = model.intercept_ if len(classes) > 2 else [-model.intercept_[0] / 2, model.intercept_[0] / 2]
        vocabulary = vectoriser.get_feature_names_out()
        params[target] = {
            "classes": classes,
            "intercept": [round(float(v), 4) for v in intercept],
            "weights": _strongest(
                {
                    str(word): [round(float(coef[k][j]), 4) for k in range(len(classes))]
                    for j, word in enumerate(vocabulary)
                }
            ),
        }
        evaluation[target] = {
            "trained_on": len(train_y),
            "held_out": len(test_y),
            "accuracy": round(_share(predicted, test_y), 3),
            "majority_label": str(majority),
            "majority_accuracy": round(sum(1 for y in test_y if y == majority) / len(test_y), 3),
            "per_label": {
                label: {
                    "precision": round(float(precision[i]), 3),
                    "recall": round(float(recall[i]), 3),
                    "support": int(support[i]),
                }
                for i, label in enumerate(classes)
            },
        }
    return {"params": params, "evaluation": evaluation}


def _strongest(weights: Mapping[str, list[float]]) -> dict[str, list[float]]:
    """The words whose largest weight reaches MIN_WORD_WEIGHT, at most MAX_WORDS_KEPT of them (the
    strongest; equal ones by the word), in vocabulary order."""
    strength = {word: max(abs(v) for v in row) for word, row in weights.items()}
    kept = [word for word in weights if strength[word] >= MIN_WORD_WEIGHT]
    if len(kept) > MAX_WORDS_KEPT:
        chosen = set(sorted(kept, key=lambda w: (-strength[w], w))[:MAX_WORDS_KEPT])
        kept = [word for word in kept if word in chosen]
    return {word: list(weights[word]) for word in kept}


def _identity(doc: list[str]) -> list[str]:
    return doc


def _share(predicted: Iterable[str], actual: Sequence[str]) -> float:
    return sum(1 for p, a in zip(predicted, actual, strict=True) if p == a) / len(actual) if actual else 0.0


def _binary_coef(coef: Any) -> list[list[float]]:
    """A two-label regression has one row of weights (for the second label); as two rows of half
    the weight each, scoring treats every model alike (softmax of [-w/2, w/2] == sigmoid of w)."""
    row = [float(v) for v in coef[0]]
    return [[-v / 2 for v in row], [v / 2 for v in row]]
