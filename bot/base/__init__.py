"""What every room may read: settings and the clock."""
