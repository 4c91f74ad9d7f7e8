"""io/safety."""
