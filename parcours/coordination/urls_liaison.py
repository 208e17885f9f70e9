"""URLs of the coordination of the parcours: liaison (included in the "coordination" namespace)."""

urlpatterns = []
