"""xner: cross-lingual NER by annotation projection (translate → word-align → project → train)."""

__version__ = "0.1.0"
