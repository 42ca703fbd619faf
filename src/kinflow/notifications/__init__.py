"""Notifications that reach people: who hears of a change (recipients), where they read it (inbox),
their e-mails (mail) and reminders at their time (reminders)."""
