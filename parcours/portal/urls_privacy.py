"""URLs of the person's space: privacy (included in the "portal" namespace by parcours/portal/urls.py)."""

urlpatterns = []
