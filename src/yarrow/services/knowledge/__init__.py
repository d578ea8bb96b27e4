"""Knowledge bases: datasets, documents, indexing as a task, retrieval (issue 7).

See ``docs/knowledge.md``.
"""

from yarrow.services.knowledge.datasets import DatasetService, DocumentSource
from yarrow.services.knowledge.indexing import TASK_NAME, Indexer
from yarrow.services.knowledge.retrieval import RetrievalResult, RetrievedSegment, Retriever
from yarrow.services.knowledge.retrieval_config import RetrievalConfig
from yarrow.services.knowledge.service import KnowledgeService
from yarrow.services.knowledge.vectors import VectorIndex, collection_name, settings_factory

__all__ = [
    "TASK_NAME",
    "DatasetService",
    "DocumentSource",
    "Indexer",
    "KnowledgeService",
    "RetrievalConfig",
    "RetrievalResult",
    "RetrievedSegment",
    "Retriever",
    "VectorIndex",
    "collection_name",
    "settings_factory",
]
