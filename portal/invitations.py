"""Accepting an invitation: the one time its link lets someone in."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers import audit
from customers.models import Invitation, Membership


class InvitationClosed(Exception):
    """The link expired or was used already."""


def find_invitation(token):
    """The invitation with this token, open or not, or None."""
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("customer").filter(token=token).first()


def existing_user(invitation):
    """The account already registered under the invitation's e-mail, if any:
    as its username (invited before) or as its address (an operator's or an
    older account), so that one address never ends up with two accounts."""
    return (
        get_user_model()
        .objects.filter(Q(username__iexact=invitation.email) | Q(email__iexact=invitation.email))
        .order_by("pk")
        .first()
    )


@transaction.atomic
def accept_invitation(invitation, *, password=None, user=None):
    """Use the invitation once: make the membership, and the account if needed.

    With `password`, a new account is made with the invited e-mail as its
    username; with `user`, an existing account joins the customer. Raises
    InvitationClosed when the link expired or another request used it first.
    """
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now)
    if claimed != 1:
        raise InvitationClosed()

    if user is None:
        user = get_user_model().objects.create_user(
            username=invitation.email, email=invitation.email, password=password
        )
    membership, created = Membership.objects.get_or_create(
        user=user, customer=invitation.customer, defaults={"role": invitation.role}
    )
    if not created and invitation.role == Membership.Role.OWNER:
        membership.role = Membership.Role.OWNER
        membership.save(update_fields=["role"])

    audit.record(
        "invitation.accepted",
        actor=user,
        customer=invitation.customer,
        detail=f"{invitation.email} as {membership.role}",
    )
    return user
