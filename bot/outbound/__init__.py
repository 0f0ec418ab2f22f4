"""Slack work after the acknowledgement: publishing, revisit nudges, Home, export, clients per team."""
