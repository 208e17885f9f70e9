"""URLs of the person's space: evaluations (included in the "portal" namespace by parcours/portal/urls.py)."""

urlpatterns = []
