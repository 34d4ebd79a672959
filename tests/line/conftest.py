"""The fake LINE platform as a fixture for this folder (other folders import it the same way)."""
from tests.line.fake_line import fake_line  # noqa: F401
