"""The Django admin for customers.

Keys, invitations and the audit trail change only through the domain
functions (which check and audit), so here they are read-only.
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


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "contact_email", "created_at")
    search_fields = ("name", "slug", "contact_email", "domains__name")
    readonly_fields = ("slug", "created_at")
    inlines = (DomainInline, MembershipInline)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("name", "customer")
    search_fields = ("name", "customer__name")
    list_select_related = ("customer",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "customer", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "customer__name")
    autocomplete_fields = ("user", "customer")


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
