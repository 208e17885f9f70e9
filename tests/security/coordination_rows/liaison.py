"""Matrix rows of the coordination of the parcours: liaison."""

ROWS = []
