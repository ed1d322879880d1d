"""The Django admin for form endpoints and submissions.

Submissions never show their sealed or encrypted contents, and cannot be
changed here. Endpoints are changed through the portal, which checks domains
and thank-you addresses; staff may only switch one off here.
"""

from django.contrib import admin

from intake.endpoints import update_endpoint
from intake.models import FormEndpoint, Submission


@admin.register(FormEndpoint)
class FormEndpointAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer", "delivery", "enabled", "created_at")
    list_filter = ("delivery", "enabled")
    search_fields = ("slug", "name", "domain__name", "customer__name")
    list_select_related = ("customer", "domain")
    readonly_fields = (
        "id",
        "customer",
        "domain",
        "slug",
        "name",
        "delivery",
        "recipients",
        "redirect_url",
        "allowed_origins",
        "max_bytes",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Through the domain function, so that switching a form off is audited.
        update_endpoint(obj, actor=request.user, enabled=obj.enabled)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "endpoint", "status", "received_at", "attempts")
    list_filter = ("status", "is_test")
    search_fields = ("id", "endpoint__slug", "endpoint__domain__name")
    list_select_related = ("endpoint__domain",)
    date_hierarchy = "received_at"
    # Form contents, sealed or encrypted, are never shown.
    exclude = ("sealed", "ciphertext")
    readonly_fields = (
        "id",
        "endpoint",
        "status",
        "received_at",
        "updated_at",
        "encrypted_at",
        "delivered_at",
        "due_at",
        "attempts",
        "last_error",
        "key_fingerprint",
        "size_bytes",
        "log_name",
        "is_test",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
