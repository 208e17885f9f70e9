def navigation(request):
    """Which top-level section is current, for aria-current in the navigation."""
    match = getattr(request, "resolver_match", None)
    return {"current_section": match.namespace if match else ""}
