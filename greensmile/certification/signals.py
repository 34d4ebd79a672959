"""Signals other domains listen to, so certification need not know who cares about a status change."""
from blinker import Namespace

_signals = Namespace()

# Sent after every status move of a certification (sender: the Certification; kwargs before, after, reason).
status_changed = _signals.signal("certification-status-changed")
