"""The pytest plugin (entry point ``pytest11``): the ``fdkit_system`` fixture."""

from __future__ import annotations

from typing import Iterator

import pytest

from ._os import Model
from ._patch import patch


@pytest.fixture
def fdkit_system() -> Iterator[Model]:
    """A fresh model process with ``os`` (and ``subprocess``) patched to it for
    the test (``fdkit.patch()``): ``os.open`` in the test returns 3 in the model,
    and the test can read the model back (``fdkit_system.listing()``,
    ``.fds()``, ``.audit()``, ``.log()``)."""
    with patch() as model:
        yield model
