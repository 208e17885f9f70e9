"""Matrix rows of the person's space: evaluations."""

ROWS = []
