"""Slack's requests coming in: the gate before Bolt, the Bolt app, listeners per kind, the manifest."""
