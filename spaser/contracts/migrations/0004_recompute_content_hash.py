"""Recompute the stored content fingerprints with the version 2 text of ``decp.ContractRow.content_hash``.

The fingerprint decides whether a re-imported publication is "inchangé": without this, every contract
already imported would be reported "mis à jour" at its next import. Each contract is normalised again
from the publication it keeps (``raw``); a contract whose ``raw`` no longer passes the normaliser keeps its
fingerprint. This uses the current normaliser on purpose (the fingerprint must be the one the import
computes), not a historical copy of it.
"""

from django.db import migrations

BATCH_SIZE = 2000


def recompute_content_hashes(apps, schema_editor):
    from spaser.imports.pipelines import decp, decp_source

    Contract = apps.get_model("contracts", "Contract")
    kinds = {"market": decp_source.MARKET, "concession": decp_source.CONCESSION}
    changed = []
    contracts = Contract.objects.only("pk", "kind", "raw", "content_hash").order_by("pk")
    for contract in contracts.iterator(chunk_size=BATCH_SIZE):
        try:
            digest = decp.transform(contract.raw, kind=kinds[contract.kind]).content_hash()
        except decp.RowRejected:
            continue
        if digest != contract.content_hash:
            contract.content_hash = digest
            changed.append(contract)
        if len(changed) >= BATCH_SIZE:
            Contract.objects.bulk_update(changed, ["content_hash"])
            changed = []
    if changed:
        Contract.objects.bulk_update(changed, ["content_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_fewer_indexes"),
    ]

    # Not reversible to the version 1 text (its code is gone): going back only costs one "mis à jour" per
    # contract at the next import, so the reverse does nothing.
    operations = [migrations.RunPython(recompute_content_hashes, migrations.RunPython.noop, elidable=True)]
