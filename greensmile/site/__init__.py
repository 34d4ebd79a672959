"""The public shell: home page, language switch, health check."""
