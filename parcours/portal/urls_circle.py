"""URLs of the person's space: the circle's conversations with the family (included in the "portal"
namespace by parcours/portal/urls.py)."""

urlpatterns = []
