"""io/xlsx."""
