"""URLs of the person's space: projet (included in the "portal" namespace by parcours/portal/urls.py)."""

urlpatterns = []
