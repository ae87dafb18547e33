"""Pure text -> claims: sentences, figures, attribution and check-worthiness (no Flask, no DB)."""

from claims.extraction.claims import (
    CLAIM_FIELDS,
    QUANTITY_FIELDS,
    ExtractedClaim,
    extract,
    quantity_json,
    to_json,
)
from claims.extraction.quantities import ExtractedQuantity, find_quantities
from claims.extraction.scoring import CHECKWORTHY, score_sentence
from claims.extraction.sentences import split_paragraphs, split_sentences

__all__ = [
    "CHECKWORTHY",
    "CLAIM_FIELDS",
    "QUANTITY_FIELDS",
    "ExtractedClaim",
    "ExtractedQuantity",
    "extract",
    "find_quantities",
    "quantity_json",
    "score_sentence",
    "split_paragraphs",
    "split_sentences",
    "to_json",
]
