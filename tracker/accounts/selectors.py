"""Reads of accounts."""

from __future__ import annotations


def partner_address(profile) -> str:
    """The accountability partner's address once they have accepted the invitation and opted
    in to the copies; "" while there is none.

    TODO(issue 12): the partner invitation and consent flow returns the accepted address here.
    Until then no partner copy is sent at all (issue 10 removed the Cc to the address typed in
    the profile, which the partner never agreed to)."""
    return ""
