"""Who is on the other end of a request."""

from django.conf import settings


def client_address(request):
    """The client's address. Behind TRUSTED_PROXIES reverse proxies it is read
    from X-Forwarded-For, counting from the right, where each trusted proxy
    appended the address it saw; anything further left is the client's own
    claim and is ignored."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
