"""Matrix rows of the coordination of the parcours: waiting."""

ROWS = []
