"""URLs of the coordination of the parcours: orientations (included in the "coordination" namespace)."""

urlpatterns = []
