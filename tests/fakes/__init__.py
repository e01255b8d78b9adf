"""Local stand-ins for outside services, so tests never leave the machine."""
