"""The flow engine: runs executed an action at a time (`executor`), the built-in actions
(`actions`), outgoing HTTP (`outgoing`), connector actions (`connectors`) and the worker that claims
runs (`worker`)."""
