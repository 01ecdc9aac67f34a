from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def role_required(*roles):
    """Requires a signed-in member of the current organisation holding one of `roles` (any role if none).

    Anonymous visitors are sent to the login page; members without the role get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.organisation is None or (roles and not (request.roles & set(roles))):
                raise PermissionDenied("Votre rôle ne permet pas d'accéder à cette page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def check_required(check, *, message="Vous n'avez pas le droit de faire cette action."):
    """Requires a signed-in user for whom `check(request)` (a perms.py function) is true, whatever their
    organisation (none is needed): anonymous visitors are sent to the login page, the others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
