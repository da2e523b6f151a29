"""The coordinator console: every command-line task as server-rendered pages (role admin)."""
