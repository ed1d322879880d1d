"""Audit records for sign-ins.

Failed sign-ins are not recorded here: people type passwords into the
username box, and the audit log must not keep them.
"""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from customers import audit


@receiver(user_logged_in, dispatch_uid="portal.audit_login")
def record_login(sender, request, user, **kwargs):
    customers = [membership.customer for membership in user.memberships.all()]
    for customer in customers or [None]:
        audit.record("login", actor=user, customer=customer, detail=user.get_username())
