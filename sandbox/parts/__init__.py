"""The parts of a fake Workspace, one area of Slack each, all under the workspace's one lock."""
