def receive(request, domain, slug):
    raise NotImplementedError


def thanks(request):
    raise NotImplementedError
