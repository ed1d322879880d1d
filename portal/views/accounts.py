"""Signing in and out, passwords, and invitation links."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from capepanel.clients import client_address
from portal import throttling
from portal.invitations import (
    InvitationClosed,
    accept_invitation,
    existing_user,
    find_invitation,
)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing further tries once too many failed."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        client = client_address(self.request)
        if throttling.sign_in_blocked(username, client):
            self.throttled = True
            raise ValidationError(
                "Too many failed sign-ins. Wait 15 minutes and try again, or reset your password.",
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError:
            throttling.note_failed_sign_in(username, client)
            raise


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed.")
        return response


class ResetForm(PasswordResetForm):
    """Django's form, its field labelled as everywhere else in the panel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-mail"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset.html"
    form_class = ResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_sent")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not throttling.reset_mail_allowed(email, client_address(self.request)):
            # The same page as when a mail went out, so that nobody learns
            # anything; the mailbox is spared more than a few links an hour.
            return redirect(self.success_url)
        # Links use the configured public address, never the request's Host header.
        self.extra_email_context = {"base_url": settings.PUBLIC_BASE_URL}
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("portal:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        throttling.forget_failed_sign_ins(form.user)
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response


def _new_user(invitation):
    model = get_user_model()
    return model(username=invitation.email, email=invitation.email)


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invitation = find_invitation(token)
    if invitation is None or not invitation.is_open():
        return render(
            request,
            "registration/invitation_closed.html",
            {"invitation": invitation},
            status=410 if invitation else 404,
        )

    account = existing_user(invitation)
    if account is not None:
        return _join_existing(request, invitation, account)

    form = SetPasswordForm(_new_user(invitation), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accept_invitation(invitation, password=form.cleaned_data["new_password1"])
        except InvitationClosed:
            return render(request, "registration/invitation_closed.html", status=410)
        login(request, user)
        messages.success(request, f"Welcome to Cape Panel, {invitation.customer}.")
        return redirect("portal:dashboard", customer_slug=invitation.customer.slug)
    return render(
        request,
        "registration/invitation.html",
        {"invitation": invitation, "form": form},
    )


def _join_existing(request, invitation, account):
    """Someone with an account already: they sign in as it, then accept."""
    signed_in_as_invitee = request.user.is_authenticated and request.user == account
    if request.method == "POST" and signed_in_as_invitee:
        try:
            accept_invitation(invitation, user=account)
        except InvitationClosed:
            return render(request, "registration/invitation_closed.html", status=410)
        messages.success(request, f"You now have access to {invitation.customer}.")
        return redirect("portal:dashboard", customer_slug=invitation.customer.slug)
    return render(
        request,
        "registration/invitation_existing.html",
        {"invitation": invitation, "signed_in_as_invitee": signed_in_as_invitee},
    )
