"""Pure loaders of the référentiel data files: read YAML with line numbers, validate, return canonical dicts.

Nothing here touches the database; `spaser.referentiel.services` writes the validated data in one transaction.
"""
