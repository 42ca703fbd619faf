"""Users, departments (a tree), groups, API tokens, and who a request is."""
