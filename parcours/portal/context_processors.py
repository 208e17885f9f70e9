from parcours.portal.pages import easy_read as easy_read_on


def easy_read(request) -> dict:
    """`easy_read`: the easy-read mode of the person's space is on for this session (docs/portal.md)."""
    return {"easy_read": easy_read_on(request)}
