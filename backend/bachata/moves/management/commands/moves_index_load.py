from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bachata.moves.documents import InvalidMoveDocument, load_documents
from bachata.moves.interface import MoveIndexUnavailable


class Command(BaseCommand):
    help = (
        "Load move documents (the move_index.json `python -m videojob ingest` writes, or a legacy index export)"
        " into the configured move index: Elasticsearch (bulk, creating the index with the legacy mapping) or"
        " the local file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="move_index.json of an ingested library, or a list of documents")

    def handle(self, *args, path: str, **options):
        try:
            documents = load_documents(path)
        except (OSError, ValueError, InvalidMoveDocument) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        try:
            if settings.MOVE_INDEX == "elasticsearch":
                from bachata.moves.es_index import ElasticsearchMoveIndex

                index = ElasticsearchMoveIndex.from_url(
                    settings.ELASTICSEARCH_URL,
                    settings.ELASTICSEARCH_INDEX,
                    api_key=settings.ELASTICSEARCH_API_KEY,
                )
                created = index.ensure_index()
                if created:
                    self.stdout.write(f"created index {settings.ELASTICSEARCH_INDEX} with the legacy mapping")
            else:
                from bachata.moves.local_index import LocalMoveIndex

                target = settings.MOVE_INDEX_PATH
                index = (
                    LocalMoveIndex.from_file(target) if target.exists() else LocalMoveIndex([], path=target)
                )
            written = index.index_documents(documents)
        except MoveIndexUnavailable as exc:
            raise CommandError(f"the move index is unavailable: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"loaded {written} move documents into the {settings.MOVE_INDEX} index")
        )
