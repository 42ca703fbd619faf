"""The kintone-compatible apps domain: apps, forms, settings (pre-live and live), records."""
