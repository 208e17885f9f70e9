"""URLs of the coordination of the parcours: waiting (included in the "coordination" namespace)."""

urlpatterns = []
