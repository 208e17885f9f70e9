"""URLs of the person's space: day (included in the "portal" namespace by parcours/portal/urls.py)."""

urlpatterns = []
