"""Scoring time per complaint for smart triage: the emotion index and the classifier's suggestions
(category, priority, department and the learned emotion).

    .venv/bin/python bench/bench_triage.py --train 2000 --score 2000

No database is read: the lexicon is the migration's starting one, the model is trained on the generated
history of the tests (tests/complaints/triage_history.py) and, for the emotion, on the labelled
emotion set (tests/data/emotion_labelled.tsv). Prints the training time, and per complaint the
median and 95th percentile of: the emotion index, the words and pieces of words (jieba and
classify.features), the suggestions and the model's emotion from them, and all three together
(what intake adds). Target: ≤ 20 ms per complaint. See bench/RESULTS.md.
"""

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, default=2000, help="complaints in the generated history")
    parser.add_argument("--score", type=int, default=2000, help="complaints scored")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()

    from complaints.rules.classify import Sample, features, suggest, tokens, train
    from complaints.rules.emotion import EmotionCue, EmotionPolicy, emotion_score
    from tests.complaints.emotion_sets import LABELLED, rows
    from tests.complaints.triage_history import history

    spec = importlib.util.spec_from_file_location("m0023", ROOT / "complaints/migrations/0023_triage.py")
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    policy = EmotionPolicy(
        cues=tuple(EmotionCue(p, k, w) for k, entries in migration.LEXICON.items() for p, w in entries),
        bands=(20, 45, 70),
        emotion_order=("calm", "agitated", "angry", "extremely_angry"),
        punctuation_weight=10,
        shouting_weight=10,
    )
    tokens("预热 jieba warm-up")  # jieba loads its dictionary once per process (about 1 s)
    started = time.perf_counter()
    samples = [
        Sample(tokens=features(words), labels={"category": c, "priority": p, "department": d})
        for words, c, p, d in history(args.train, seed=1)
    ]
    samples += [Sample(tokens=features(text), labels={"emotion": emotion}) for _l, emotion, text in rows(LABELLED)]
    params = train(samples, seed=20261203, holdout_percent=20)["params"]
    trained = time.perf_counter() - started
    texts = [
        f"{words}。太过分了！！我要找律师，家里有老人 This is unacceptable"
        for words, *_labels in history(args.score, seed=2)
    ]
    timings: dict[str, list[float]] = {"emotion": [], "words": [], "suggest": [], "total": []}
    for text in texts:
        t0 = time.perf_counter()
        emotion_score((text,), policy)
        t1 = time.perf_counter()
        words = features(text)
        t2 = time.perf_counter()
        suggest(words, params)
        t3 = time.perf_counter()
        timings["emotion"].append(t1 - t0)
        timings["words"].append(t2 - t1)
        timings["suggest"].append(t3 - t2)
        timings["total"].append(t3 - t0)
    stored = json.dumps(params)
    t0 = time.perf_counter()
    json.loads(stored)
    parsed = time.perf_counter() - t0
    per_target = ", ".join(f"{target} {len(model['weights'])}" for target, model in params.items())
    print(
        f"training on {args.train} complaints: {trained:.2f} s; words in the model: "
        f"{sum(len(m['weights']) for m in params.values())} ({per_target}); "
        f"parameters {len(stored) / 1000:.0f} kB, parsed in {parsed * 1000:.1f} ms (once per process)"
    )
    for name, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        print(f"{name:8} median {statistics.median(values) * 1000:.2f} ms  p95 {p95 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
