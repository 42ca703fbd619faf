"""kinflow: business apps, group messaging and flows over one event spine."""

__version__ = "0.1.0"
