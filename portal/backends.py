"""Signing in with an e-mail address, whatever the account's username is.

Invited merchants get their address as username, but staff accounts made with
`createsuperuser` have a username of their own; the sign-in page asks for an
e-mail address, so both must work, and neither may depend on letter case.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        matches = list(
            User.objects.filter(Q(username__iexact=username) | Q(email__iexact=username))[:3]
        )
        # An exact username wins; otherwise only an unambiguous match counts.
        exact = [user for user in matches if user.username == username]
        candidates = exact or matches
        if len(candidates) != 1:
            # Hash anyway, so that timing does not tell which addresses exist.
            User().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
