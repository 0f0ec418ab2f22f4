"""The Slack side of mldesign: Bolt app, listeners, Block Kit, Web API calls, the server and the CLI."""
