"""URLs of the person's space: accounts (included in the "portal" namespace by parcours/portal/urls.py)."""

urlpatterns = []
