"""URLs of the coordination of the parcours: notifications (included in the "coordination" namespace)."""

urlpatterns = []
