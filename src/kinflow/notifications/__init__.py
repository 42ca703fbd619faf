"""Notifications that reach people: who hears of a change (recipients) and where they read it (inbox)."""
