"""Error reports that never carry what a visitor posted."""

from django.views.debug import SafeExceptionReporterFilter as DjangoFilter


class SafeExceptionReporterFilter(DjangoFilter):
    """Masks every POST value and the raw body on every view, not only on views
    marked sensitive: a form post or a key upload is never worth a leak."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        # Local variables can hold form contents or key material in any frame.
        return [(name, self.cleansed_substitute) for name, _ in tb_frame.f_locals.items()]
