"""The move index in Elasticsearch (`bachata_move_embeddings`, the legacy index and mapping)."""

from collections.abc import Iterable
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from .documents import index_mapping, validate_documents
from .interface import MoveIndex, MoveIndexUnavailable

BULK_CHUNK = 200  # documents per _bulk request (~7 MB with all five vectors)


class ElasticsearchMoveIndex(MoveIndex):
    def __init__(self, client: Elasticsearch, index_name: str):
        self.client = client
        self.index_name = index_name

    @classmethod
    def from_url(cls, url: str, index_name: str, *, api_key: str = "", timeout: float = 10.0):
        client = Elasticsearch(url, api_key=api_key or None, request_timeout=timeout)
        return cls(client, index_name)

    def ensure_index(self) -> bool:
        """Create the index with the legacy mapping unless it exists; return whether it was created."""
        try:
            if self.client.indices.exists(index=self.index_name):
                return False
            self.client.indices.create(index=self.index_name, **index_mapping())
            return True
        except (ApiError, TransportError) as exc:
            raise MoveIndexUnavailable(f"cannot create the index {self.index_name}: {exc}") from exc

    def index_documents(self, documents: Iterable[dict[str, Any]]) -> int:
        documents = validate_documents(documents)
        for start in range(0, len(documents), BULK_CHUNK):
            operations: list[dict[str, Any]] = []
            for document in documents[start : start + BULK_CHUNK]:
                operations += [{"index": {"_index": self.index_name, "_id": document["clip_id"]}}, document]
            try:
                response = self.client.bulk(operations=operations, refresh="wait_for")
            except (ApiError, TransportError) as exc:
                raise MoveIndexUnavailable(f"bulk indexing into {self.index_name} failed: {exc}") from exc
            if response.get("errors"):
                failed = [item["index"] for item in response["items"] if "error" in item.get("index", {})]
                first = failed[0] if failed else {}
                raise MoveIndexUnavailable(
                    f"{len(failed)} documents were refused; first {first.get('_id')}: {first.get('error')}"
                )
        return len(documents)

    def run_search_body(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            response = self.client.search(index=self.index_name, body=body)
        except (ApiError, TransportError) as exc:
            raise MoveIndexUnavailable(f"searching {self.index_name} failed: {exc}") from exc
        return list(response["hits"]["hits"])
