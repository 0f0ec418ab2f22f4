"""Persistence for mldesign: SQLModel tables, the engine and unit of work, and repository functions."""
