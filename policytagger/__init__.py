"""policytagger: ``nlp = policytagger.load(); doc = nlp(text)``."""
from model.analyzer import Analyzer
from model.schema import Document, Sentence, Span, Theme

load = Analyzer.load

__all__ = ["Analyzer", "Document", "Sentence", "Span", "Theme", "load"]
__version__ = "0.1.0"
