"""Actions: what leadership did about a unit's results (issue 15). Staff data with audit
rows, never tied to responses."""
