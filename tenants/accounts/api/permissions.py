"""The DRF permission class built on the access rules (``tenants.accounts.permissions``)."""

from rest_framework import permissions

from ..permissions import can


def capability_required(capability):
    """A DRF permission class that asks `can(user, capability)`."""

    class HasCapability(permissions.BasePermission):
        def has_permission(self, request, view):
            return can(request.user, capability)

    HasCapability.__name__ = f"Has_{capability}"
    return HasCapability
