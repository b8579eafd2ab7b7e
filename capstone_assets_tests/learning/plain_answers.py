"""The plain-Python side of test_questions.py: the generated CSVs read with the csv module only (`Files`), and what
the text marts do in SQL done again here (terms and adjacent pairs past the stop words, term frequencies, TF-IDF
weights of the mentor questions, the content-change rules), reading only the declared lists from their tables as
the marts do."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import Counter, defaultdict
from pathlib import Path

from capstone_assets_tests.helpers import query

PUNCTUATION = str.maketrans("", "", '.,;:!?()"')


class Files:
    """The generated CSVs, read with the csv module only."""

    def __init__(self, root: Path):
        self.root = root

    def dim(self, name: str) -> list[dict[str, str]]:
        with (self.root / "learning/dimensional_tables" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def fact(self, name: str) -> list[dict[str, str]]:
        rows = []
        for path in sorted(self.root.glob(f"learning/*/2019/*/{name}.csv")):
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    row["degree"], row["month"] = path.parts[-4], dt.date(2019, int(path.parts[-2]), 1)
                    rows.append(row)
        return rows

    def documents(self) -> list[dict]:
        """Every text as (source, id, degree, project, section, rating, cleaned body)."""
        docs = []
        for source, name, id_column, text_column in (("project_feedback", "project_feedback", "feedback_id", "feedback_text"),
                                                     ("section_feedback", "section_feedback", "feedback_id", "feedback_text"),
                                                     ("mentor_question", "mentor_activity", "question_id", "question_text")):
            for row in self.fact(name):
                docs.append({"source": source, "id": int(row[id_column]), "degree": row["degree"],
                             "project_id": int(row["project_id"]) if row.get("project_id") else None,
                             "section_id": int(row["section_id"]) if row.get("section_id") else None,
                             "rating": int(row["rating"]) if row.get("rating") else None,
                             "body": row[text_column].lower().translate(PUNCTUATION)})
        return docs

    def video_mentions(self, doc: dict) -> list[int]:
        return [int(v["video_id"]) for v in self.videos() if v["degree"] == doc["degree"]
                and f" {v['video_title'].lower()} " in f" {doc['body']} "]

    def videos(self) -> list[dict[str, str]]:
        if not hasattr(self, "_videos"):
            self._videos = self.dim("videos_dim")
        return self._videos


def stop_words(settings) -> set[str]:
    return {row[0] for row in query(settings, "SELECT word FROM learning.text_stop_words")}


def terms(body: str, stop: set[str]) -> Counter:
    """Words of at least 2 characters not in the list, and pairs of adjacent kept words."""
    words = body.split(" ")
    kept = [len(w) >= 2 and w not in stop for w in words]
    found = Counter(w for w, k in zip(words, kept) if k)
    found.update(f"{a} {b}" for a, b, ka, kb in zip(words, words[1:], kept, kept[1:]) if ka and kb)
    return found


def tf(counts: Counter) -> dict[str, float]:
    total = sum(counts.values())
    return {term: n / total for term, n in counts.items()}


def ranked(scores: dict, key=lambda k: k) -> list:
    return sorted(scores, key=lambda k: (-round(scores[k], 6), key(k)))


def mentor_weights(files: Files, stop: set[str]):
    """Per question: (doc, {term: tf}), and idf over all mentor questions."""
    questions = [d for d in files.documents() if d["source"] == "mentor_question"]
    counted = [(d, terms(d["body"], stop)) for d in questions]
    df = Counter(t for _, c in counted for t in c)
    idf = {t: math.log(len(questions) / n) for t, n in df.items()}
    return [(d, tf(c)) for d, c in counted if c], idf


def content_rules(settings) -> dict[str, list[str]]:
    rules = defaultdict(list)
    for category, pattern in query(settings, "SELECT category, pattern FROM learning.content_change_rules"):
        rules[category].append(pattern)
    return rules


def classify(body: str, rules: dict[str, list[str]]) -> set[str]:
    return {category for category, patterns in rules.items() if any(f" {p}" in f" {body}" for p in patterns)}
