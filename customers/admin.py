"""The Django admin for customers.

Everything here changes only through the domain functions and the staff
pages, which check and audit each change (a domain moved by hand would leave
its forms with the old customer), so the admin is for looking, not editing.
"""

from django.contrib import admin

from customers.models import (
    AuditEvent,
    Customer,
    Domain,
    Invitation,
    Membership,
    PublicKey,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DomainInline(ReadOnlyInline):
    model = Domain


class MembershipInline(ReadOnlyInline):
    model = Membership


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "contact_email", "created_at")
    search_fields = ("name", "slug", "contact_email", "domains__name")
    readonly_fields = ("slug", "created_at")
    inlines = (DomainInline, MembershipInline)


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ("name", "customer")
    search_fields = ("name", "customer__name")
    list_select_related = ("customer",)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "customer", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "customer__name")


@admin.register(PublicKey)
class PublicKeyAdmin(ReadOnlyAdmin):
    list_display = ("fingerprint", "customer", "algorithm", "status", "expires_at")
    list_filter = ("status",)
    search_fields = ("fingerprint", "customer__name")
    list_select_related = ("customer",)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = (
        "email",
        "customer",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
    )
    search_fields = ("email", "customer__name")
    # The token is the password-equivalent of an open invitation.
    exclude = ("token",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "customer", "actor", "detail")
    list_filter = ("action",)
    search_fields = ("action", "detail", "customer__name")
    date_hierarchy = "at"
