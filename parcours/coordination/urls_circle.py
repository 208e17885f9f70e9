"""URLs of the coordination of the parcours: circle (included in the "coordination" namespace)."""

urlpatterns = []
