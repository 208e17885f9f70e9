"""Matrix rows of the person's space: accounts."""

ROWS = []
