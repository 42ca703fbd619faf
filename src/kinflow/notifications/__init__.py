"""Notifications that reach people: who hears of a change (recipients), where they read it (inbox)
and their e-mails (mail)."""
