"""Matrix rows of the person's space: privacy."""

ROWS = []
