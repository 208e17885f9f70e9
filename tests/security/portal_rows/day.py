"""Matrix rows of the person's space: day."""

ROWS = []
