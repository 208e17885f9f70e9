"""URLs of the person's space: messages (included in the "portal" namespace by parcours/portal/urls.py)."""

urlpatterns = []
