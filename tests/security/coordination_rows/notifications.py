"""Matrix rows of the coordination of the parcours: notifications."""

ROWS = []
