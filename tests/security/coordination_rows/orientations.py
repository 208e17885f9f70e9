"""Matrix rows of the coordination of the parcours: orientations."""

ROWS = []
