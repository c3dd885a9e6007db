"""Small helpers shared by the test packages (no Django models imported here: the root
conftest may use them before the apps are ready)."""

from __future__ import annotations

import pytest
import time_machine


def frozen_clock(now):
    """A fixture that stops the clock at `now` for the test and gives the traveller (to move it
    on with `.shift()` or `.move_to()`). Named by the module attribute it is assigned to:
    `clock = frozen_clock(NOW)`."""

    @pytest.fixture
    def clock():
        with time_machine.travel(now, tick=False) as traveller:
            yield traveller

    return clock
