"""Text and Block Kit: Jinja templates, message and form builders, and the ids Slack sends back."""
