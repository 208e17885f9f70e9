from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from parcours.access.journal import client_ip
from parcours.accounts import services


class ThrottledModelBackend(ModelBackend):
    """Django's password check behind the lockout, for every way in (our login page, the admin's).

    A locked username or address is refused before its password is even checked (so a locked
    account tells nothing about the password tried), and every wrong password is counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_ip(request)
        if services.login_locked(username=username, address=address):
            # Stops Django's authenticate() at once: no other backend gets a try either.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.record_login_failure(username=username, address=address)
        return user
