"""A small local HTTP server speaking the Elasticsearch REST shape the move index uses.

Index creation (HEAD/PUT /<index>), `_bulk` (NDJSON, `index` actions), `_refresh` and `_search`. Searches are
answered by the local evaluator, so its hits are what our own semantics give for the body the client sent.
Every request is recorded (method, path, query, headers, parsed body) for assertions. Responses carry
`X-Elastic-Product: Elasticsearch`, which the elasticsearch-py client insists on.
"""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bachata.moves.evaluator import execute_search_body


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: Any  # parsed JSON, a list of NDJSON lines, or None


def _error(status: int, kind: str, reason: str) -> tuple[int, dict]:
    return status, {
        "error": {"type": kind, "reason": reason, "root_cause": [{"type": kind, "reason": reason}]},
        "status": status,
    }


class FakeElasticsearch:
    def __init__(self):
        self.indices: dict[str, dict[str, Any]] = {}  # name -> {"mappings": ..., "docs": {id: source}}
        self.requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def requests_to(self, suffix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(suffix)]

    # -- the REST shape --
    def handle(self, method: str, path: str, query: dict, body: Any) -> tuple[int, dict | None]:
        parts = [p for p in path.split("/") if p]
        if not parts:
            return 200, {"name": "fake", "version": {"number": "9.1.0"}, "tagline": "You Know, for Search"}
        if parts[-1] == "_bulk":
            return self._bulk(parts[0] if len(parts) == 2 else None, body)
        name = parts[0]
        if len(parts) == 1 and method == "HEAD":
            return (200 if name in self.indices else 404), None
        if len(parts) == 1 and method == "PUT":
            if name in self.indices:
                return _error(400, "resource_already_exists_exception", f"index [{name}] already exists")
            self.indices[name] = {"mappings": (body or {}).get("mappings"), "docs": {}}
            return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}
        if name not in self.indices:
            return _error(404, "index_not_found_exception", f"no such index [{name}]")
        if parts[1:] == ["_refresh"]:
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if parts[1:] == ["_search"] and method in ("GET", "POST"):
            hits = execute_search_body(body or {}, list(self.indices[name]["docs"].values()))
            scores = [h["_score"] for h in hits if h["_score"] is not None]
            return 200, {
                "took": 1,
                "timed_out": False,
                "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                "hits": {
                    "total": {"value": len(hits), "relation": "eq"},
                    "max_score": max(scores) if scores else None,
                    "hits": [{"_index": name, **hit} for hit in hits],
                },
            }
        return _error(400, "illegal_argument_exception", f"unsupported {method} {path}")

    def _bulk(self, default_index: str | None, lines: list[dict]) -> tuple[int, dict]:
        items = []
        for action, source in zip(lines[::2], lines[1::2], strict=True):
            ((op, meta),) = action.items()
            name = meta.get("_index", default_index)
            index = self.indices.setdefault(name, {"mappings": None, "docs": {}})
            error = self._mapping_error(index["mappings"], source) if op == "index" else "only index actions"
            if error:
                items.append(
                    {
                        op: {
                            "_index": name,
                            "_id": meta.get("_id"),
                            "status": 400,
                            "error": {"type": "document_parsing_exception", "reason": error},
                        }
                    }
                )
                continue
            created = meta["_id"] not in index["docs"]
            index["docs"][meta["_id"]] = source
            items.append(
                {
                    op: {
                        "_index": name,
                        "_id": meta["_id"],
                        "status": 201 if created else 200,
                        "result": "created" if created else "updated",
                    }
                }
            )
        return 200, {
            "took": 1,
            "errors": any("error" in next(iter(i.values())) for i in items),
            "items": items,
        }

    @staticmethod
    def _mapping_error(mappings: dict | None, source: dict) -> str | None:
        for field, spec in ((mappings or {}).get("properties") or {}).items():
            value = source.get(field)
            if spec.get("type") == "dense_vector" and value is not None and len(value) != spec["dims"]:
                return f"[{field}] has {len(value)} dimensions, the mapping says {spec['dims']}"
        return None

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                text = raw.decode("utf-8")
                if url.path.endswith("/_bulk"):
                    body: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
                else:
                    body = json.loads(text) if text.strip() else None
                query = parse_qs(url.query)
                headers = {name.lower(): value for name, value in self.headers.items()}
                fake.requests.append(RecordedRequest(self.command, url.path, query, headers, body))
                status, payload = fake.handle(self.command, url.path, query, body)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve

            def log_message(self, *args):
                pass

        return Handler
