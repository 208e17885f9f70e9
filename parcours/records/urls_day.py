"""URLs of the team's side of the person's day: presence and agenda (included by records/urls.py)."""

urlpatterns = []
