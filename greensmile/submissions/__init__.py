"""Forms received once: a form that makes something carries a one-time key, claimed in the request's transaction."""
