"""What a request means for the database: the walkthrough, ownership, revisits, catalogs."""
