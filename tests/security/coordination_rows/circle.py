"""Matrix rows of the coordination of the parcours: circle."""

ROWS = []
