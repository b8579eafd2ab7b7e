"""Vocabulary for the synthetic learning-platform generator.

The theme and topic phrases are embedded verbatim (lower case) in the generated
texts, so downstream marts can recover them with a plain substring match.
List order is the prominence order: earlier entries get larger weights.
"""

import unicodedata
from typing import Sequence

import numpy as np

NEGATIVE_THEMES = (
    "outdated content",
    "confusing instructions",
    "broken starter code",
    "slow project review",
    "unclear rubric",
    "poor audio quality",
    "too fast pace",
    "missing examples",
)

POSITIVE_THEMES = (
    "great explanations",
    "helpful mentor",
    "clear instructions",
    "practical examples",
    "engaging videos",
    "fast project review",
    "well structured content",
    "useful starter code",
)

NEGATIVE_TEMPLATES = (
    "The {theme} made this {item} frustrating.",
    "Really disappointed by the {theme} in this {item}.",
    "Honestly, the {theme} is a real problem here.",
    "I lost hours because of the {theme}.",
    "Please fix the {theme}, it ruined the {item} for me.",
)

POSITIVE_TEMPLATES = (
    "Loved the {theme} in this {item}!",
    "The {theme} made this {item} a pleasure.",
    "Thanks for the {theme}, I learned a lot.",
    "Really enjoyed the {theme}.",
)

NEUTRAL_TEXTS = (
    "It was okay overall.",
    "Decent {item}, nothing special.",
    "Some parts were good, others less so.",
    "Average {item}; it did the job.",
    "Fine, but I expected a bit more depth.",
)

COMMON_TOPICS = (
    "sql join",
    "pandas merge",
    "data modeling",
    "docker compose",
    "s3 permissions",
    "git merge conflict",
    "python virtualenv",
)

DEGREE_TOPICS = {
    "data_engineering": ("spark dataframe", "airflow dag", "redshift copy", "kafka consumer"),
    "data_science": ("hypothesis testing", "matplotlib subplots", "scikit-learn pipeline", "missing values"),
    "machine_learning": ("gradient descent", "pytorch tensor shapes", "overfitting", "feature scaling"),
}

QUESTION_TEMPLATES = (
    "How do I fix the error in my {topic}?",
    "My {topic} keeps failing, what am I missing?",
    "What is the best practice for {topic} in this project?",
    "I'm stuck on {topic}, any hints?",
    "Is there a simpler way to handle the {topic} step?",
)

# Requests for content changes, appended to some feedback and mentor texts; each names the video concerned
# by its title as in videos_dim.csv.
CHANGE_REQUEST_TEMPLATES = (
    "Please update {video}, the library version it shows is old.",
    "{video} is outdated.",
    "There is a broken link in {video}.",
    "Could you add an example to {video}?",
    "Please add more examples to {video}.",
    "Found a typo in {video}.",
)

# A mentor question about a video lesson names it before the question.
VIDEO_QUESTION_PREFIX = "About {video}: "

FIRST_NAMES = (
    "James", "Mary", "Wei", "Priya", "Ahmed", "Olga", "Carlos", "Aisha", "Liam", "Emma",
    "Noah", "Sofia", "Mateo", "Yuki", "Hiroshi", "Fatima", "Lucas", "Chloé", "José", "Zoë",
    "Björn", "Søren", "Renée", "Amélie", "Ana", "David", "Sarah", "Kwame", "Ngozi", "Ivan",
    "Elena", "Arjun", "Mei", "Omar", "Laura", "Thomas", "Grace", "Diego", "Hannah", "Raj",
)

LAST_NAMES = (
    "Smith", "Johnson", "Garcia", "Müller", "Nguyen", "Kumar", "Silva", "Kim", "Chen", "Patel",
    "Brown", "Rossi", "Kowalski", "Ivanova", "Okafor", "Tanaka", "O'Brien", "D'Souza", "Núñez",
    "Ødegaard", "Dubois", "Jansen", "Larsen", "Cohen", "Haddad", "Mensah", "Santos", "Lopez",
    "Wilson", "Fischer", "Andersen", "Yilmaz", "Sato", "Ali", "Martin", "Moreau", "Park",
)

EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "example.org")

COUNTRIES = (
    ("United States", 26), ("India", 18), ("Brazil", 6), ("Germany", 6), ("United Kingdom", 6),
    ("Canada", 5), ("Nigeria", 4), ("Spain", 3), ("France", 3), ("Mexico", 3), ("Egypt", 3),
    ("Indonesia", 3), ("Poland", 2), ("Japan", 2), ("Australia", 2), ("South Korea", 2),
    ("Türkiye", 2), ("Netherlands", 2), ("Kenya", 2),
)

PROJECT_NAMES = (
    "Exploratory Data Analysis", "Data Modeling with Postgres", "Data Warehouse on the Cloud",
    "Building a Data Lake", "Pipeline Orchestration", "Streaming Ingestion", "Dashboard Design",
    "A/B Test Evaluation", "Customer Segmentation", "Churn Prediction", "Recommendation Engine",
    "Image Classifier", "Text Sentiment Model", "Forecasting Sales", "Data Quality Framework",
    "API Data Collection", "Feature Store Basics", "Model Deployment", "Capstone Proposal",
    "Capstone Project", "Web Scraping Pipeline", "Fraud Detection", "Log Analytics", "Batch ETL",
)

SECTION_NAMES = (
    "Welcome and Setup", "Python Foundations", "SQL Essentials", "Data Wrangling", "Statistics Refresher",
    "Cloud Fundamentals", "Data Pipelines", "Data Modeling", "Visualization", "Testing and Quality",
    "Performance Tuning", "Deployment", "Advanced Topics", "Career Services", "Capstone Preparation",
)

THEME_AFFINITY = {
    "project": (1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.5, 1.0),
    "section": (1.0, 1.0, 0.3, 0.1, 0.3, 1.0, 1.0, 1.0),
}


def ascii_slug(text: str) -> str:
    text = text.translate({ord("ø"): "o", ord("Ø"): "O", ord("'"): None})
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def phrase_grid(templates: Sequence[str], fillers: Sequence[str], key: str, **extra: str) -> np.ndarray:
    """Object array [filler, template] of every template filled with every filler."""
    return np.array([[t.format(**{key: f}, **extra) for t in templates] for f in fillers], dtype=object)
