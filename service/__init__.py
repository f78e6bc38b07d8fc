"""Comment moderation: parse scraped pages, score comments, serve over REST.

Data flow: ``service.ingest`` (bytes -> text) -> ``service.parse`` (text/HTML -> Article)
-> ``model.features`` -> ``model.score`` (Scorer) -> ``service.api`` / ``service.cli``.
"""

__version__ = "0.1.0"
