"""OpenAPI post-processing: document the error answers every public endpoint can give."""

ERROR = {
    "type": "object",
    "additionalProperties": True,
    "description": "Message d'erreur : `detail`, ou un message par paramètre refusé.",
}
ERRORS = {
    "400": "Paramètre inconnu ou invalide (filtre, taille de page).",
    "404": "Page ou objet introuvable.",
    "429": "Trop de requêtes : réessayez plus tard (en-tête Retry-After).",
}


def document_errors(result, generator, request, public):
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ERROR}}},
                )
    return result
