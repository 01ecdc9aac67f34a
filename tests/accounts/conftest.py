import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Password reset requests are counted in the cache: every test starts with no count."""
    cache.clear()
    yield
    cache.clear()
