"""The domain of mldesign: the question catalog and the rules of a design walkthrough.

Pure values in, decisions out: nothing here knows about Slack, SQL or templates.
"""
