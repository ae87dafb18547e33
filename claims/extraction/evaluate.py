"""Measure the check-worthiness scorer on a labelled CSV (columns `text` and `label`, 1 =
check-worthy), beside the baseline "contains a digit".

    python -m claims.extraction.evaluate PATH_TO_CSV            # the table
    python -m claims.extraction.evaluate PATH_TO_CSV --fit      # refit the weights, with k-fold CV

The fit is a class-balanced, L2-regularized logistic regression over scoring.FEATURES only
(Newton's method, pure Python), so it can only weigh general features, not learn a corpus's words.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from claims.extraction.scoring import CHECKWORTHY, FEATURES, features, logistic, score_sentence

FOLDS = 5
L2 = 1.0
NEWTON_STEPS = 12


@dataclass(frozen=True)
class Result:
    """Precision, recall and F1 on the check-worthy class."""

    precision: float
    recall: float
    f1: float


def measure(predicted: Sequence[bool], labels: Sequence[int]) -> Result:
    """Precision, recall and F1 of predictions against 0/1 labels (positive class 1)."""
    tp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and y)
    fp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and not y)
    fn = sum(1 for p, y in zip(predicted, labels, strict=True) if not p and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Result(precision, recall, f1)


def read_labelled(path: Path) -> tuple[list[str], list[int]]:
    """Sentences and their 0/1 labels from a CSV with `text` and `label` columns."""
    texts, labels = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            texts.append(row["text"])
            labels.append(1 if row["label"].strip() == "1" else 0)
    return texts, labels


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve a small symmetric positive-definite system by Gaussian elimination."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def fit(vectors: list[list[float]], labels: list[int]) -> tuple[list[float], float]:
    """Class-balanced L2 logistic regression by Newton's method: (weights, bias)."""
    n = len(vectors[0]) + 1
    positives = sum(labels)
    weight_of = {1: len(labels) / (2 * positives), 0: len(labels) / (2 * (len(labels) - positives))}
    theta = [0.0] * n
    rows = [[*v, 1.0] for v in vectors]
    for _ in range(NEWTON_STEPS):
        gradient = [L2 * t for t in theta[:-1]] + [0.0]
        hessian = [[0.0] * n for _ in range(n)]
        for i in range(n - 1):
            hessian[i][i] = L2
        for row, y in zip(rows, labels, strict=True):
            z = sum(t * x for t, x in zip(theta, row, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            c = weight_of[y]
            g = c * (p - y)
            h = c * p * (1.0 - p)
            for i, xi in enumerate(row):
                if xi:
                    gradient[i] += g * xi
                    hrow = hessian[i]
                    hxi = h * xi
                    for j, xj in enumerate(row):
                        if xj:
                            hrow[j] += hxi * xj
        step = _solve(hessian, gradient)
        theta = [t - s for t, s in zip(theta, step, strict=True)]
    return theta[:-1], theta[-1]


def best_threshold(scores: list[float], labels: list[int]) -> float:
    """The score threshold with the best F1 on these labels."""
    candidates = [i / 100 for i in range(5, 96)]
    return max(candidates, key=lambda t: measure([s >= t for s in scores], labels).f1)


def cross_validate(vectors: list[list[float]], labels: list[int]) -> None:
    """Print train and test F1 of each fold, fitting weights and threshold on the train part."""
    order = list(range(len(labels)))
    random.Random(0).shuffle(order)  # noqa: S311 (a reproducible split, not a secret)
    print(f"{'fold':<6}{'threshold':>10}{'train F1':>10}{'test F1':>10}")
    for k in range(FOLDS):
        test = set(order[k::FOLDS])
        train_idx = [i for i in order if i not in test]
        test_idx = [i for i in order if i in test]
        weights, bias = fit([vectors[i] for i in train_idx], [labels[i] for i in train_idx])

        def scores(idx: list[int], w: list[float] = weights, b: float = bias) -> list[float]:
            return [logistic(w, b, vectors[i]) for i in idx]

        train_labels = [labels[i] for i in train_idx]
        test_labels = [labels[i] for i in test_idx]
        train_scores = scores(train_idx)
        threshold = best_threshold(train_scores, train_labels)
        train_f1 = measure([s >= threshold for s in train_scores], train_labels).f1
        test_f1 = measure([s >= threshold for s in scores(test_idx)], test_labels).f1
        print(f"{k + 1:<6}{threshold:>10.2f}{train_f1:>10.3f}{test_f1:>10.3f}")


def refit(texts: list[str], labels: list[int]) -> None:
    """Cross-validate, then fit on everything and print weights with the bias moved to 0.5."""
    vectors = [features(t) for t in texts]
    cross_validate(vectors, labels)
    weights, bias = fit(vectors, labels)
    threshold = best_threshold([logistic(weights, bias, v) for v in vectors], labels)
    # Shift the bias so that the F1-best threshold sits at CHECKWORTHY.
    shift = math.log(threshold / (1 - threshold)) - math.log(CHECKWORTHY / (1 - CHECKWORTHY))
    print(f"\nfull fit, F1-best threshold {threshold:.2f}; for scoring.py:")
    for name, weight in zip(FEATURES, weights, strict=True):
        print(f'    ("{name}", {weight:.2f}),')
    print(f"BIAS = {bias - shift:.2f}")


def table(texts: list[str], labels: list[int]) -> list[tuple[str, Result]]:
    """The scorer and the digit baseline on labelled sentences."""
    rules: list[tuple[str, Callable[[str], bool]]] = [
        (f"scorer (score >= {CHECKWORTHY})", lambda t: score_sentence(t) >= CHECKWORTHY),
        ("baseline (contains a digit)", lambda t: any(c.isdigit() for c in t)),
    ]
    return [(name, measure([rule(t) for t in texts], labels)) for name, rule in rules]


def main(argv: Sequence[str] | None = None) -> int:
    """Print precision, recall and F1 of the scorer and the baseline (or refit with --fit)."""
    parser = argparse.ArgumentParser(prog="python -m claims.extraction.evaluate")
    parser.add_argument("csv", type=Path, help="labelled sentences: columns text, label (1/0)")
    parser.add_argument("--fit", action="store_true", help="refit the weights with k-fold CV")
    args = parser.parse_args(argv)
    texts, labels = read_labelled(args.csv)
    if args.fit:
        refit(texts, labels)
        return 0
    print(f"{len(texts)} sentences, {sum(labels)} check-worthy\n")
    print(f"{'':<32}{'precision':>10}{'recall':>10}{'F1':>10}")
    for name, result in table(texts, labels):
        print(f"{name:<32}{result.precision:>10.3f}{result.recall:>10.3f}{result.f1:>10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
