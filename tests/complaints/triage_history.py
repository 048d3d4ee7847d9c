"""A generated complaint history for the classifier tests and the benchmark: short complaints in
Chinese and English per category, with the priority and department an organisation would have
given them, words shared across categories and a share of misleading labels (real history is noisy).
Deterministic for a given seed."""

import random

# category → (typical phrases, priority, department)
KINDS = {
    "battery": (
        ["电池", "续航", "充不进电", "掉电很快", "battery drains", "range dropped", "will not charge", "充电桩"],
        "P1",
        "quality",
    ),
    "paint": (["漆面", "划痕", "掉漆", "色差", "paint", "scratch", "peeling", "colour mismatch"], "P3", "store"),
    "delivery": (
        ["物流", "快递", "送错", "延迟发货", "delivery", "courier", "wrong address", "late parcel"],
        "P2",
        "store",
    ),
    "refund": (["退款", "发票", "扣款", "没到账", "refund", "invoice", "charged twice", "money back"], "P2", "finance"),
    "brakes": (
        ["刹车", "失灵", "异响", "制动", "brakes", "brake noise", "stopping distance", "pedal soft"],
        "P0",
        "quality",
    ),
}
FILLER = ["您好", "请处理", "谢谢", "上周", "昨天", "hello", "please", "thanks", "last week", "yesterday", "再次"]


def history(n: int, *, seed: int = 7, noise: float = 0.1) -> list[tuple[str, str, str, str]]:
    """n complaints as (words, category, priority, department); the categories are unbalanced
    (battery most common), as in a real year."""
    rng = random.Random(seed)
    names = list(KINDS)
    weights = [35, 20, 20, 15, 10]
    out = []
    for _ in range(n):
        category = rng.choices(names, weights)[0]
        phrases = KINDS[category][0]
        words = rng.sample(phrases, 2) + rng.sample(FILLER, 3)
        if rng.random() < 0.3:  # a word of another kind: customers mention several things
            words.append(rng.choice(KINDS[rng.choice(names)][0]))
        rng.shuffle(words)
        label = rng.choice(names) if rng.random() < noise else category
        out.append((" ".join(words), label, KINDS[label][1], KINDS[label][2]))
    return out
