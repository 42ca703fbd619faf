"""Flows: automation in the manner of Power Automate / Logic Apps (connectors, definitions, runs)."""
