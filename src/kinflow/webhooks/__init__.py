"""Outgoing webhooks: subscriptions, the address guard, request signing and the HTTP attempt."""
