"""Refusing an oversized upload while it streams, not once it has all arrived.

Two checks, both before the file is kept: the declared length of the request (``Content-Length``, sent by
every browser) is compared with the limit before the body is read; and the bytes of the file are counted as
they arrive, the upload stopping at the first byte over the limit (a client that declares no length, or a
false one). Nothing is saved: the temporary file of the part received is closed, hence deleted.
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat

# Room for the other fields and the multipart boundaries of the form, beside the file itself.
FORM_OVERHEAD = 64 * 1024


def too_large_message(limit: int) -> str:
    return (
        f"Le fichier dépasse la taille maximale acceptée ({filesizeformat(limit)}) : l'envoi a été arrêté et rien "
        "n'a été enregistré. Compressez-le au format .gz ou découpez-le en plusieurs fichiers."
    )


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class SizeLimitUploadHandler(FileUploadHandler):
    """First of the upload handlers of a view: counts each file's bytes and stops the upload past ``limit``.

    ``request.upload_too_large`` tells the view why its file is missing."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        request.upload_too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers (memory or temporary file) keep the file
