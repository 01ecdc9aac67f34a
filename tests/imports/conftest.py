import os
from pathlib import Path

import pytest

# The shared data beside the repository, or elsewhere (a git worktree): SPASER_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("SPASER_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")
REPO_DECP = Path(__file__).resolve().parents[2] / "spaser" / "imports" / "data" / "decp"


@pytest.fixture
def geo_cvl():
    """The geographic reference of the Centre-Val de Loire only (fast), from the shared files."""
    from spaser.geo.services import geo_load_reference

    return geo_load_reference(
        cog_file=SHARED_DATA / "geo" / "cog_communes_centre-val-de-loire.csv",
        postcode_file=SHARED_DATA / "geo" / "laposte_hexasmal_centre-val-de-loire.csv",
    )
